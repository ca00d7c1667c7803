import { afterEach, describe, expect, it, vi } from 'vitest';
import { StepPacer } from '../src/stream/step-pacer.js';

describe('StepPacer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one step at a time, the next only after idle time idleRatio times the last one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    // Busy the whole step, as a step that never waits on the network would be.
    let stepStart = 0;
    const pacer = new StepPacer(2, () => performance.now() - stepStart);
    const started: number[] = [];
    const step = () =>
      pacer.run(async () => {
        stepStart = performance.now();
        started.push(stepStart);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return started.length;
      });
    const runs = [step(), step(), step()];
    await vi.advanceTimersByTimeAsync(100);
    expect(await Promise.all(runs)).toEqual([1, 2, 3]);
    // Each took 10 ms, then 20 ms idle: they began 30 ms apart.
    expect(started.map((t) => t - (started[0] ?? 0))).toEqual([0, 30, 60]);
  });

  it('goes on with the next step when one fails, and settles each as its step does', async () => {
    const pacer = new StepPacer(0);
    const failed = pacer.run(() => {
      throw new Error('read failed');
    });
    const next = pacer.run(() => 'next');
    await expect(failed).rejects.toThrow('read failed');
    await expect(next).resolves.toBe('next');
  });
});
