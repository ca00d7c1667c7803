import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { cgroupCpuQuota, cgroupMemoryLimit, type ReadFile } from './cgroup-limits.js';

/** More workers than this buys little for one producer and costs a Kafka connection and a worker's memory each. */
export const MAX_DEFAULT_WORKERS = 4;

/**
 * Memory one worker may need: its own pages when idle (about 30 MiB measured in the image, Node
 * 26) plus room for the batches it holds while Kafka acknowledges them (request bodies and the
 * encoded produce requests: a few BATCH_MAX_BYTES).
 */
export const WORKER_MEMORY_BYTES = 64 * 1024 * 1024;
/**
 * What a clustered producer needs beside its workers: the primary's own pages (about 28 MiB
 * measured) and the Node binary's pages, which every process shares (about 50 MiB, counted once).
 */
export const PRIMARY_MEMORY_BYTES = 80 * 1024 * 1024;

/** What the default worker count is, and which limit set it (for the start-up log). */
export interface WorkerDefault {
  readonly workers: number;
  /** `cpus` (affinity), `cpu-quota`, `memory-limit` or `cap` ({@link MAX_DEFAULT_WORKERS}). */
  readonly decidedBy: 'cpus' | 'cpu-quota' | 'memory-limit' | 'cap';
  readonly cpus: number;
  readonly cpuQuota?: { readonly cpus: number; readonly file: string };
  readonly memoryLimit?: { readonly bytes: number; readonly file: string };
}

const readText: ReadFile = (path) => readFileSync(path, 'utf8');

/** Workers that fit in `bytes`: one process alone needs no primary beside it. */
function workersThatFit(bytes: number): number {
  const clustered = Math.floor((bytes - PRIMARY_MEMORY_BYTES) / WORKER_MEMORY_BYTES);
  return Math.max(1, clustered);
}

/**
 * WORKERS' default: one per CPU this process may use (affinity, and the cgroup v1 or v2 CPU
 * quota, so a pod limited to 500m gets one), no more than the cgroup's memory limit holds with
 * room for each worker's batches, at most {@link MAX_DEFAULT_WORKERS}, at least one.
 */
export function workerDefault(
  parallelism = availableParallelism(),
  read: ReadFile = readText,
): WorkerDefault {
  const quota = cgroupCpuQuota(read);
  const memory = cgroupMemoryLimit(read);
  // In order of precedence when two limits give the same count: the most specific one is named.
  const candidates: (readonly [WorkerDefault['decidedBy'], number])[] = [['cpus', parallelism]];
  if (quota) candidates.push(['cpu-quota', Math.max(1, Math.floor(quota.value))]);
  if (memory) candidates.push(['memory-limit', workersThatFit(memory.value)]);
  let decidedBy: WorkerDefault['decidedBy'] = 'cap';
  let workers = MAX_DEFAULT_WORKERS;
  for (const [name, count] of candidates) {
    if (count <= workers) [decidedBy, workers] = [name, count];
  }
  return {
    workers: Math.max(1, workers),
    decidedBy,
    cpus: parallelism,
    ...(quota && { cpuQuota: { cpus: quota.value, file: quota.file } }),
    ...(memory && { memoryLimit: { bytes: memory.value, file: memory.file } }),
  };
}

/** WORKERS' default as a number (see {@link workerDefault}). */
export function defaultWorkers(
  parallelism = availableParallelism(),
  read: ReadFile = readText,
): number {
  return workerDefault(parallelism, read).workers;
}
