import { describe, expect, it } from 'vitest';
import {
  MAX_DEFAULT_WORKERS,
  PRIMARY_MEMORY_BYTES,
  WORKER_MEMORY_BYTES,
  defaultWorkers,
  workerDefault,
} from '../src/cluster/default-workers.js';

const MiB = 1024 * 1024;
/** A machine's cgroup files as a map of path to text; every other path is absent. */
const files =
  (layout: Readonly<Record<string, string>>) =>
  (path: string): string => {
    const text = layout[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
const noCgroup = files({});

// /proc/self/cgroup as each layout shows it.
const V2_NAMESPACED = '0::/\n';
const V2_HOST_NAMESPACE =
  '0::/kubepods.slice/kubepods-burstable.slice/pod1.slice/cri-containerd-abc.scope\n';
const V1_CONTAINER =
  '12:memory:/libpod_parent/libpod-abc\n4:cpu,cpuacct:/libpod_parent/libpod-abc\n0::/\n';
const V1_KUBEPODS =
  '11:memory:/kubepods/burstable/pod1/abc\n3:cpu,cpuacct:/kubepods/burstable/pod1/abc\n1:name=systemd:/kubepods/burstable/pod1/abc\n';

describe('defaultWorkers', () => {
  it('takes one worker per CPU, at most the cap', () => {
    expect(defaultWorkers(2, noCgroup)).toBe(2);
    expect(defaultWorkers(64, noCgroup)).toBe(MAX_DEFAULT_WORKERS);
    expect(workerDefault(2, noCgroup)).toEqual({ workers: 2, decidedBy: 'cpus', cpus: 2 });
    expect(workerDefault(64, noCgroup).decidedBy).toBe('cap');
  });

  it('follows cgroup v2 cpu.max in a cgroup namespace (the container sees its own cgroup as the root)', () => {
    const layout = (cpuMax: string) =>
      files({ '/proc/self/cgroup': V2_NAMESPACED, '/sys/fs/cgroup/cpu.max': cpuMax });
    expect(workerDefault(16, layout('50000 100000\n'))).toEqual({
      workers: 1,
      decidedBy: 'cpu-quota',
      cpus: 16,
      cpuQuota: { cpus: 0.5, file: '/sys/fs/cgroup/cpu.max' },
    });
    expect(defaultWorkers(16, layout('300000 100000\n'))).toBe(3);
    expect(workerDefault(2, layout('max 100000\n'))).toEqual({
      workers: 2,
      decidedBy: 'cpus',
      cpus: 2,
    });
  });

  it('follows cgroup v2 cpu.max under the path /proc/self/cgroup names, and the smallest of its parents', () => {
    const own =
      '/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/pod1.slice/cri-containerd-abc.scope';
    expect(
      workerDefault(
        16,
        files({
          '/proc/self/cgroup': V2_HOST_NAMESPACE,
          [`${own}/cpu.max`]: '200000 100000\n',
          '/sys/fs/cgroup/cpu.max': 'max 100000',
        }),
      ),
    ).toMatchObject({
      workers: 2,
      decidedBy: 'cpu-quota',
      cpuQuota: { cpus: 2, file: `${own}/cpu.max` },
    });
    // A pod-level limit on a parent caps the container below it.
    const pod = '/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/pod1.slice';
    expect(
      workerDefault(
        16,
        files({
          '/proc/self/cgroup': V2_HOST_NAMESPACE,
          [`${own}/cpu.max`]: 'max 100000',
          [`${pod}/cpu.max`]: '50000 100000',
        }),
      ),
    ).toMatchObject({ workers: 1, cpuQuota: { cpus: 0.5, file: `${pod}/cpu.max` } });
  });

  it('follows cgroup v1 cpu.cfs_quota_us / cpu.cfs_period_us where the runtime mounts the container cgroup (podman, docker)', () => {
    const layout = files({
      '/proc/self/cgroup': V1_CONTAINER,
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '50000\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    expect(workerDefault(16, layout)).toEqual({
      workers: 1,
      decidedBy: 'cpu-quota',
      cpus: 16,
      cpuQuota: { cpus: 0.5, file: '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us' },
    });
    // -1 is v1's "no quota".
    expect(
      workerDefault(
        3,
        files({
          '/proc/self/cgroup': V1_CONTAINER,
          '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1',
          '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
        }),
      ).decidedBy,
    ).toBe('cpus');
  });

  it('follows cgroup v1 quotas under the container own path from /proc/self/cgroup (host cgroup view)', () => {
    const own = '/sys/fs/cgroup/cpu/kubepods/burstable/pod1/abc';
    const layout = files({
      '/proc/self/cgroup': V1_KUBEPODS,
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
      [`${own}/cpu.cfs_quota_us`]: '150000',
      [`${own}/cpu.cfs_period_us`]: '100000',
    });
    expect(workerDefault(16, layout)).toMatchObject({
      workers: 1,
      decidedBy: 'cpu-quota',
      cpuQuota: { cpus: 1.5, file: `${own}/cpu.cfs_quota_us` },
    });
  });

  it('never starts more workers than the memory limit holds, v2 memory.max and v1 memory.limit_in_bytes', () => {
    const v2 = (bytes: number) =>
      files({ '/proc/self/cgroup': V2_NAMESPACED, '/sys/fs/cgroup/memory.max': `${bytes}\n` });
    // 256 MiB (the manifest's limit): the primary and two workers fit, a third would not.
    expect(PRIMARY_MEMORY_BYTES + 2 * WORKER_MEMORY_BYTES).toBeLessThanOrEqual(256 * MiB);
    expect(PRIMARY_MEMORY_BYTES + 3 * WORKER_MEMORY_BYTES).toBeGreaterThan(256 * MiB);
    expect(workerDefault(16, v2(256 * MiB))).toEqual({
      workers: 2,
      decidedBy: 'memory-limit',
      cpus: 16,
      memoryLimit: { bytes: 256 * MiB, file: '/sys/fs/cgroup/memory.max' },
    });
    expect(defaultWorkers(16, v2(128 * MiB))).toBe(1);
    expect(defaultWorkers(16, v2(32 * MiB))).toBe(1);
    expect(
      workerDefault(
        2,
        files({ '/proc/self/cgroup': V2_NAMESPACED, '/sys/fs/cgroup/memory.max': 'max\n' }),
      ).decidedBy,
    ).toBe('cpus');

    const v1Own = '/sys/fs/cgroup/memory/kubepods/burstable/pod1/abc';
    const v1 = files({
      '/proc/self/cgroup': V1_KUBEPODS,
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n', // v1's "no limit"
      [`${v1Own}/memory.limit_in_bytes`]: `${512 * MiB}\n`,
    });
    expect(workerDefault(16, v1)).toMatchObject({
      workers: 4,
      decidedBy: 'cap',
      memoryLimit: { bytes: 512 * MiB, file: `${v1Own}/memory.limit_in_bytes` },
    });
    expect(
      workerDefault(
        16,
        files({
          '/proc/self/cgroup': V1_KUBEPODS,
          [`${v1Own}/memory.limit_in_bytes`]: `${192 * MiB}`,
        }),
      ),
    ).toMatchObject({ workers: 1, decidedBy: 'memory-limit' });
    expect(
      defaultWorkers(
        16,
        files({
          '/proc/self/cgroup': V1_CONTAINER,
          '/sys/fs/cgroup/memory/memory.limit_in_bytes': `${256 * MiB}`,
        }),
      ),
    ).toBe(2);
  });

  it('names the limit that gave the fewest workers when CPU and memory both limit', () => {
    const layout = files({
      '/proc/self/cgroup': V1_CONTAINER,
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '50000',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': `${256 * MiB}`,
    });
    expect(workerDefault(16, layout)).toMatchObject({
      workers: 1,
      decidedBy: 'cpu-quota',
      memoryLimit: { bytes: 256 * MiB },
    });
  });

  it('never goes below one', () => {
    expect(
      defaultWorkers(
        1,
        files({ '/proc/self/cgroup': V2_NAMESPACED, '/sys/fs/cgroup/cpu.max': '10000 100000' }),
      ),
    ).toBe(1);
  });
});
