import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacedPass } from '../src/stream/paced-pass.js';

describe('PacedPass', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A pass that takes `ms` of (fake) time, counting its runs. */
  const passTaking = (ms: number): { runs: number[]; pass: () => void } => {
    const runs: number[] = [];
    return {
      runs,
      pass: () => {
        runs.push(performance.now());
        vi.advanceTimersByTime(ms);
      },
    };
  };

  it('runs at once when the last pass was cheap or long ago', () => {
    const { runs, pass } = passTaking(0);
    const paced = new PacedPass(pass, 1.5);
    paced.request();
    paced.request();
    expect(runs).toHaveLength(2);
  });

  it('after a costly pass, waits 1.5 times its duration and then runs once for every request meanwhile', () => {
    const { runs, pass } = passTaking(100);
    const paced = new PacedPass(pass, 1.5);
    paced.request();
    expect(runs).toHaveLength(1);
    paced.request();
    paced.request();
    paced.request();
    expect(runs).toHaveLength(1);
    vi.advanceTimersByTime(149);
    expect(runs).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(runs).toHaveLength(2);
    expect((runs[1] ?? 0) - (runs[0] ?? 0)).toBe(250);
  });

  it('cancel drops a scheduled pass', () => {
    const { runs, pass } = passTaking(100);
    const paced = new PacedPass(pass, 1.5);
    paced.request();
    paced.request();
    paced.cancel();
    vi.advanceTimersByTime(1000);
    expect(runs).toHaveLength(1);
  });
});
