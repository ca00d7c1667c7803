import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** More workers than this buys little for one producer and costs a Kafka connection and ~50 MiB each. */
export const MAX_DEFAULT_WORKERS = 4;

/** Whole CPUs the container's cgroup (v2) quota allows, if it sets one. */
function cgroupCpus(read: (path: string) => string): number | undefined {
  try {
    const [quota, period] = read('/sys/fs/cgroup/cpu.max').trim().split(/\s+/);
    if (quota === undefined || quota === 'max' || period === undefined) return undefined;
    return Math.floor(Number(quota) / Number(period));
  } catch {
    return undefined;
  }
}

/**
 * WORKERS' default: one per CPU this process may use (affinity and the cgroup's CPU quota, so a
 * pod limited to 500m gets one), at most {@link MAX_DEFAULT_WORKERS}, at least one.
 */
export function defaultWorkers(parallelism = availableParallelism(), read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number {
  const quota = cgroupCpus(read);
  return Math.max(1, Math.min(parallelism, quota ?? parallelism, MAX_DEFAULT_WORKERS));
}
