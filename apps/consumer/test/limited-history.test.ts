import { describe, expect, it } from 'vitest';
import { LimitedHistory } from '../src/stream/limited-history.js';
import type { HistoryChunk, TopicHistory } from '../src/stream/topic-history.js';

/** A history whose reads end only when the test says so. */
function heldHistory(): { history: TopicHistory; started: number; release(): void } {
  const pending: (() => void)[] = [];
  const state = {
    started: 0,
    history: {
      extent: async () => new Map(),
      offsetsAt: async () => new Map(),
      read: () =>
        new Promise<HistoryChunk>((resolve) => {
          state.started++;
          pending.push(() => resolve({ records: [], next: new Map() }));
        }),
    } satisfies TopicHistory,
    release: () => pending.shift()?.(),
  };
  return state;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('LimitedHistory', () => {
  it('runs at most `concurrency` reads at once, the next starting as one ends, in turn', async () => {
    const held = heldHistory();
    const limited = new LimitedHistory(held.history, 2);
    const reads = Array.from({ length: 5 }, () => limited.read(new Map([[0, 0n]]), 1));
    await tick();
    expect(held.started).toBe(2);
    held.release();
    await tick();
    expect(held.started).toBe(3);
    for (let i = 0; i < 4; i++) {
      held.release();
      await tick();
    }
    await Promise.all(reads);
    expect(held.started).toBe(5);
    // All turns given back: two more start at once.
    const more = [
      limited.read(new Map(), 1),
      limited.read(new Map(), 1),
      limited.read(new Map(), 1),
    ];
    await tick();
    expect(held.started).toBe(7);
    held.release();
    held.release();
    await tick();
    held.release();
    await Promise.all(more);
  });
});
