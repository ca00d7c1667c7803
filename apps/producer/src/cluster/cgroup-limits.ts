/** Reads a file's text; throws when it cannot (absent file, no cgroup mounted). */
export type ReadFile = (path: string) => string;

/** A limit read from a cgroup file, with the file it came from (for the start-up log). */
export interface CgroupLimit {
  readonly value: number;
  readonly file: string;
}

const ROOT = '/sys/fs/cgroup';
/** v1 mounts the CPU controller as cpu,cpuacct (with cpu as a link to it) or as cpu alone. */
const V1_DIRS = { cpu: ['cpu,cpuacct', 'cpu'], memory: ['memory'] } as const;
/** v1 writes "no memory limit" as the largest page-aligned 64-bit number; anything this big is none. */
const UNLIMITED_BYTES = 2 ** 62;

/**
 * The directories whose files can limit this process for one controller, most specific first:
 * its own cgroup (the path /proc/self/cgroup names) and each parent up to the mount point,
 * then the mount point itself, which is the container's own cgroup where the runtime mounts
 * only that (cgroup v1 with the host's cgroup namespace, or a v2 cgroup namespace).
 */
function cgroupDirs(
  controller: 'cpu' | 'memory',
  read: ReadFile,
): { dirs: string[]; version: 1 | 2 } {
  let lines: string[];
  try {
    lines = read('/proc/self/cgroup').split('\n');
  } catch {
    lines = [];
  }
  const entries = lines
    .map((line) => /^(\d+):([^:]*):(.*)$/.exec(line.trim()))
    .filter((m) => m !== null);
  const v1 = entries.find((m) => m[2]?.split(',').includes(controller));
  const v2 = entries.find((m) => m[1] === '0' && m[2] === '');
  const withParents = (mount: string, path: string | undefined): string[] => {
    const parts = (path ?? '/').split('/').filter(Boolean);
    const dirs = parts.map((_, i) => `${mount}/${parts.slice(0, parts.length - i).join('/')}`);
    return [...dirs, mount];
  };
  if (v1)
    return {
      dirs: V1_DIRS[controller].flatMap((dir) => withParents(`${ROOT}/${dir}`, v1[3])),
      version: 1,
    };
  return { dirs: withParents(ROOT, v2?.[3]), version: 2 };
}

/** The smallest limit the files give (limits nest: a parent's caps its children), if any does. */
function smallest(
  dirs: readonly string[],
  readLimit: (dir: string) => CgroupLimit | undefined,
): CgroupLimit | undefined {
  let best: CgroupLimit | undefined;
  for (const dir of dirs) {
    let limit: CgroupLimit | undefined;
    try {
      limit = readLimit(dir);
    } catch {
      continue; // not there (another layout, or above the mount): the other places may still say
    }
    if (limit && (!best || limit.value < best.value)) best = limit;
  }
  return best;
}

/**
 * The CPUs the cgroup quota allows (0.5 for `--cpus 0.5`), from cgroup v2 `cpu.max` or v1
 * `cpu.cfs_quota_us`/`cpu.cfs_period_us`.
 */
export function cgroupCpuQuota(read: ReadFile): CgroupLimit | undefined {
  const { dirs, version } = cgroupDirs('cpu', read);
  return smallest(dirs, (dir) => {
    let quota: string | undefined;
    let period: string | undefined;
    let file: string;
    if (version === 2) {
      file = `${dir}/cpu.max`;
      [quota, period] = read(file).trim().split(/\s+/);
    } else {
      file = `${dir}/cpu.cfs_quota_us`;
      quota = read(file).trim();
      period = read(`${dir}/cpu.cfs_period_us`).trim();
    }
    const q = Number(quota);
    const p = Number(period);
    // "max" (v2) and -1 (v1) mean no quota.
    if (!Number.isFinite(q) || q <= 0 || !Number.isFinite(p) || p <= 0) return undefined;
    return { value: q / p, file };
  });
}

/** The memory limit in bytes, from cgroup v2 `memory.max` or v1 `memory.limit_in_bytes`. */
export function cgroupMemoryLimit(read: ReadFile): CgroupLimit | undefined {
  const { dirs, version } = cgroupDirs('memory', read);
  return smallest(dirs, (dir) => {
    const file = `${dir}/${version === 2 ? 'memory.max' : 'memory.limit_in_bytes'}`;
    const bytes = Number(read(file).trim());
    if (!Number.isFinite(bytes) || bytes <= 0 || bytes >= UNLIMITED_BYTES) return undefined;
    return { value: bytes, file };
  });
}
