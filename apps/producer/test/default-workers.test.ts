import { describe, expect, it } from 'vitest';
import { MAX_DEFAULT_WORKERS, defaultWorkers } from '../src/cluster/default-workers.js';

const cpuMax = (text: string) => (path: string): string => {
  if (path !== '/sys/fs/cgroup/cpu.max') throw new Error(`unexpected read of ${path}`);
  return text;
};
const noCgroup = (): string => {
  throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
};

describe('defaultWorkers', () => {
  it('takes one worker per CPU, at most the cap', () => {
    expect(defaultWorkers(2, noCgroup)).toBe(2);
    expect(defaultWorkers(64, noCgroup)).toBe(MAX_DEFAULT_WORKERS);
  });

  it('follows the container CPU quota, so a pod limited to 500m runs one process', () => {
    expect(defaultWorkers(16, cpuMax('50000 100000\n'))).toBe(1);
    expect(defaultWorkers(16, cpuMax('300000 100000\n'))).toBe(3);
    expect(defaultWorkers(2, cpuMax('max 100000\n'))).toBe(2);
  });

  it('never goes below one', () => {
    expect(defaultWorkers(1, cpuMax('10000 100000'))).toBe(1);
  });
});
