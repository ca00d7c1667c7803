import { readFileSync } from 'node:fs';
import { cpuSeconds } from '../process-stats.js';

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function ownCpuSeconds(pid: number): number {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0; // exited meanwhile
  }
}

/** User + system CPU seconds used so far by `pid` and every live process below it (cluster workers). */
export function treeCpuSeconds(pid: number): number {
  return ownCpuSeconds(pid) + children(pid).reduce((sum, child) => sum + treeCpuSeconds(child), 0);
}
