import { parseStreamPosition, type StreamPosition } from '@demo-kafka/app-kit';
import { describe, expect, it } from 'vitest';
import { ReplayBuffer, recordBytes } from '../src/stream/replay-buffer.js';
import type { BufferedEvent, StreamRecord } from '../src/stream/stream-record.js';

const rec = (
  partition: number,
  offset: number | bigint,
  value = `p${partition}@${offset}`,
): StreamRecord => ({
  topic: 't',
  partition,
  offset: BigInt(offset),
  key: null,
  value,
  timestamp: Number(offset),
});

/** The position a client holds after receiving `event`, as the browser would send it back. */
const positionOf = (event: BufferedEvent | undefined): StreamPosition => {
  const position = parseStreamPosition(event?.id);
  if (!position) throw new Error(`not a stream position: ${event?.id}`);
  return position;
};

const keys = (events: readonly StreamRecord[]): string[] =>
  events.map((e) => `${e.partition}:${e.offset}`);

/** Deterministic so a failing interleaving can be reproduced from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` records spread at random over `partitions`, offsets increasing per partition (gaps allowed, as compaction leaves). */
function interleaving(
  seed: number,
  partitions: number,
  count: number,
  everyPartitionFirst = false,
): StreamRecord[] {
  const random = mulberry32(seed);
  const next = Array.from({ length: partitions }, () => 0n);
  const records: StreamRecord[] = [];
  if (everyPartitionFirst) {
    for (let p = 0; p < partitions; p++) records.push(rec(p, 0));
    next.fill(1n);
  }
  while (records.length < count) {
    const p = Math.floor(random() * partitions);
    const offset = next[p] ?? 0n;
    records.push(rec(p, offset));
    next[p] = offset + 1n + (random() < 0.2 ? BigInt(Math.floor(random() * 3)) : 0n);
  }
  return records;
}

describe('ReplayBuffer.append', () => {
  it('keeps only the newest `capacity` records, oldest evicted first', () => {
    const buffer = new ReplayBuffer(3);
    buffer.append([rec(0, 0), rec(0, 1)]);
    buffer.append([rec(0, 2), rec(0, 3), rec(0, 4)]);
    expect(buffer.size).toBe(3);
    expect(keys(buffer.after(undefined).events)).toEqual(['0:2', '0:3', '0:4']);
  });

  it('evicts across partitions in consumption order, not per partition', () => {
    const buffer = new ReplayBuffer(2);
    buffer.append([rec(1, 0), rec(0, 0), rec(1, 1)]);
    expect(keys(buffer.after(undefined).events)).toEqual(['0:0', '1:1']);
  });

  it('gives each event an id holding the latest offset of every partition, its own first', () => {
    const buffer = new ReplayBuffer(10);
    const added = buffer.append([rec(0, 0), rec(1, 0), rec(0, 1)]);
    expect(added.map((e) => e.id)).toEqual(['0:0', '1:0,0:0', '0:1,1:0']);
    expect(buffer.append([rec(2, 7)]).map((e) => e.id)).toEqual(['2:7,0:1,1:0']);
    expect(buffer.head).toEqual(
      new Map([
        [0, 1n],
        [1, 0n],
        [2, 7n],
      ]),
    );
  });

  it('keeps the value and position of each record on its event', () => {
    const buffer = new ReplayBuffer(10);
    const [event] = buffer.append([{ ...rec(4, 12, 'Hello'), key: 'order-7' }]);
    expect(event).toEqual({
      topic: 't',
      partition: 4,
      offset: 12n,
      key: 'order-7',
      value: 'Hello',
      timestamp: 12,
      id: '4:12',
    });
  });

  it('answers where the source resumes: just after the newest record of each partition, none before any', () => {
    const buffer = new ReplayBuffer(2);
    expect(buffer.nextOffset(0)).toBeUndefined();
    buffer.append([rec(0, 5), rec(1, 0), rec(0, 6), rec(0, 7)]);
    // Evicted or not, what was received is not asked for again.
    expect(buffer.nextOffset(0)).toBe(8n);
    expect(buffer.nextOffset(1)).toBe(1n);
    expect(buffer.nextOffset(2)).toBeUndefined();
  });

  it('replays and resumes only the records of a key, with ids that are positions in the whole topic', () => {
    const buffer = new ReplayBuffer(10);
    const keyed = (partition: number, offset: number, key: string | null): StreamRecord => ({
      ...rec(partition, offset),
      key,
    });
    buffer.append([
      keyed(0, 0, 'a'),
      keyed(1, 0, 'b'),
      keyed(0, 1, null),
      keyed(1, 1, 'a'),
      keyed(0, 2, 'a'),
    ]);
    const a = (e: StreamRecord): boolean => e.key === 'a';
    expect(buffer.after(undefined, a).events.map((e) => e.id)).toEqual([
      '0:0',
      '1:1,0:1',
      '0:2,1:1',
    ]);
    // Resuming from the id of the first "a": the later "a"s, nothing of other keys.
    const resumed = buffer.after(parseStreamPosition('0:0'), a);
    expect(resumed.events.map((e) => e.id)).toEqual(['1:1,0:1', '0:2,1:1']);
    expect(resumed.gap).toBe(false);
    expect(buffer.after(undefined, () => false).events).toEqual([]);
    expect(buffer.since(1, a).events.map((e) => e.offset)).toEqual([1n, 2n]);
  });

  it('skips redelivered offsets (at or below the head) and does not return them', () => {
    const buffer = new ReplayBuffer(10);
    buffer.append([rec(0, 0), rec(0, 1), rec(1, 5)]);
    // A rejoin can replay from an older committed offset: those records were already sent.
    const added = buffer.append([rec(0, 0), rec(0, 1), rec(0, 2), rec(1, 5), rec(1, 4), rec(1, 6)]);
    expect(keys(added)).toEqual(['0:2', '1:6']);
    expect(keys(buffer.after(undefined).events)).toEqual(['0:0', '0:1', '1:5', '0:2', '1:6']);
    expect(buffer.head).toEqual(
      new Map([
        [0, 2n],
        [1, 6n],
      ]),
    );
  });

  it('still skips a redelivery of a record that was already evicted', () => {
    const buffer = new ReplayBuffer(1);
    buffer.append([rec(0, 0), rec(0, 1), rec(0, 2)]);
    expect(buffer.append([rec(0, 0)])).toEqual([]);
    expect(keys(buffer.after(undefined).events)).toEqual(['0:2']);
  });

  it('returns records added in the same call even when that call evicts them at once', () => {
    // Live clients must still receive a batch larger than the buffer.
    const buffer = new ReplayBuffer(2);
    const added = buffer.append([rec(0, 0), rec(0, 1), rec(0, 2)]);
    expect(keys(added)).toEqual(['0:0', '0:1', '0:2']);
    expect(buffer.size).toBe(2);
  });
});

describe('ReplayBuffer.after', () => {
  it('gives a new client (no position) the whole buffer without a gap', () => {
    const buffer = new ReplayBuffer(3);
    buffer.append([rec(0, 0), rec(1, 0), rec(0, 1), rec(1, 1)]);
    const replay = buffer.after(undefined);
    expect(keys(replay.events)).toEqual(['1:0', '0:1', '1:1']);
    expect(replay.gap).toBe(false);
  });

  it('returns a copy, so a replay in progress is not changed by later appends', () => {
    const buffer = new ReplayBuffer(2);
    buffer.append([rec(0, 0), rec(0, 1)]);
    const replay = buffer.after(undefined);
    buffer.append([rec(0, 2)]);
    expect(keys(replay.events)).toEqual(['0:0', '0:1']);
  });

  it('resumes a single-partition client with exactly the later events', () => {
    const buffer = new ReplayBuffer(10);
    const events = buffer.append([0, 1, 2, 3, 4].map((o) => rec(0, o)));
    for (let k = 0; k < events.length; k++) {
      const replay = buffer.after(positionOf(events[k]));
      expect(replay.events, `after ${events[k]?.id}`).toEqual(events.slice(k + 1));
      expect(replay.gap).toBe(false);
    }
  });

  it('resumes a client at the head with nothing', () => {
    const buffer = new ReplayBuffer(10);
    buffer.append([rec(0, 0), rec(1, 3)]);
    expect(buffer.after(buffer.head)).toEqual({ events: [], gap: false });
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'resumes from every event of a random 3-partition interleaving (seed %i) with exactly the later events',
    (seed) => {
      const buffer = new ReplayBuffer(1000);
      const events = buffer.append(interleaving(seed, 3, 60));
      expect(events).toHaveLength(60);
      expect(new Set(events.map((e) => e.partition)).size).toBe(3);
      for (let k = 0; k < events.length; k++) {
        const replay = buffer.after(positionOf(events[k]));
        // Same records in the same order: nothing the client holds again, nothing it lacks left out.
        expect(replay.events, `seed ${seed}, after ${events[k]?.id}`).toEqual(events.slice(k + 1));
        expect(replay.gap).toBe(false);
      }
    },
  );

  // Every id here names all three partitions; the case of an unnamed partition is tested below.
  it.each([11, 12, 13])(
    'with eviction (seed %i), resumes exactly when nothing unseen was evicted and flags a gap otherwise',
    (seed) => {
      const capacity = 15;
      const buffer = new ReplayBuffer(capacity);
      const all = buffer.append(interleaving(seed, 3, 50, true));
      const kept = all.slice(-capacity);
      expect(buffer.after(undefined).events).toEqual(kept);
      for (let k = 0; k < all.length; k++) {
        const replay = buffer.after(positionOf(all[k]));
        const unseen = all.slice(k + 1);
        const lost = unseen.filter((e) => !kept.includes(e));
        expect(replay.events, `seed ${seed}, after ${all[k]?.id}`).toEqual(
          unseen.filter((e) => kept.includes(e)),
        );
        expect(replay.gap, `seed ${seed}, after ${all[k]?.id}, lost ${keys(lost).join(' ')}`).toBe(
          lost.length > 0,
        );
      }
    },
  );

  it('flags a gap for a position older than what was evicted, and replays everything buffered after it', () => {
    const buffer = new ReplayBuffer(2);
    const events = buffer.append([rec(0, 0), rec(0, 1), rec(0, 2), rec(0, 3)]);
    const replay = buffer.after(positionOf(events[0]));
    expect(replay.gap).toBe(true);
    expect(keys(replay.events)).toEqual(['0:2', '0:3']);
  });

  it('does not flag a gap for a client that received the last evicted record', () => {
    const buffer = new ReplayBuffer(2);
    const events = buffer.append([rec(0, 0), rec(0, 1), rec(0, 2), rec(0, 3)]);
    expect(buffer.after(positionOf(events[1]))).toEqual({ events: events.slice(2), gap: false });
  });

  it('flags a gap when only one of the partitions of the position fell behind the buffer', () => {
    const buffer = new ReplayBuffer(3);
    buffer.append([rec(0, 0), rec(1, 0), rec(1, 1), rec(0, 1), rec(1, 2), rec(1, 3)]);
    // Evicted: p0:0, p1:0, p1:1. Holding p0:0 is fine either way; p1 decides.
    expect(
      buffer.after(
        new Map([
          [0, 0n],
          [1, 1n],
        ]),
      ),
    ).toMatchObject({ gap: false });
    const behind = buffer.after(
      new Map([
        [0, 0n],
        [1, 0n],
      ]),
    );
    expect(behind.gap).toBe(true);
    expect(keys(behind.events)).toEqual(['0:1', '1:2', '1:3']);
  });

  it('replays every buffered event of a partition the position does not name', () => {
    const buffer = new ReplayBuffer(10);
    buffer.append([rec(0, 0), rec(1, 0), rec(0, 1), rec(1, 1), rec(2, 4)]);
    const replay = buffer.after(new Map([[0, 1n]]));
    expect(keys(replay.events)).toEqual(['1:0', '1:1', '2:4']);
    expect(replay.gap).toBe(false);
  });

  // A client holding `0:0` never received p1:0; once p1:0 is evicted it cannot be replayed, and
  // the client must be told rather than silently lose the record.
  it('flags a gap when a record of a partition the position does not name was evicted', () => {
    const buffer = new ReplayBuffer(2);
    const [first] = buffer.append([rec(0, 0)]);
    expect(first?.id).toBe('0:0');
    buffer.append([rec(1, 0), rec(1, 1), rec(1, 2)]);
    const replay = buffer.after(positionOf(first));
    expect(keys(replay.events)).toEqual(['1:1', '1:2']);
    expect(replay.gap).toBe(true);
  });

  it('serves a client ahead of this buffer (id from a replica further on) only what it lacks, without a gap', () => {
    const buffer = new ReplayBuffer(10);
    buffer.append([rec(0, 0), rec(0, 1), rec(1, 0)]);
    const replay = buffer.after(new Map([[0, 9n]]));
    expect(keys(replay.events)).toEqual(['1:0']);
    expect(replay.gap).toBe(false);
  });
});

describe('ReplayBuffer.startsAt', () => {
  it('makes a position below offset-1 a gap, and exactly offset-1 not one', () => {
    const buffer = new ReplayBuffer(10);
    buffer.refillStartsAt(0, 100n);
    const events = buffer.append([rec(0, 100), rec(0, 101)]);
    expect(buffer.after(new Map([[0, 99n]]))).toEqual({ events, gap: false });
    expect(buffer.after(new Map([[0, 98n]]))).toEqual({ events, gap: true });
    expect(buffer.after(new Map([[0, 100n]]))).toEqual({ events: events.slice(1), gap: false });
  });

  it('never lowers the floor that eviction or an earlier start set', () => {
    const buffer = new ReplayBuffer(1);
    buffer.append([rec(0, 10), rec(0, 11)]);
    // A later refill that starts lower must not make the evicted 0:10 look available.
    buffer.refillStartsAt(0, 5n);
    expect(buffer.after(new Map([[0, 9n]])).gap).toBe(true);
    buffer.refillStartsAt(1, 50n);
    buffer.refillStartsAt(1, 20n);
    // The position names partition 0 at its head, so only partition 1's floor decides.
    expect(
      buffer.after(
        new Map([
          [0, 11n],
          [1, 30n],
        ]),
      ).gap,
    ).toBe(true);
    expect(
      buffer.after(
        new Map([
          [0, 11n],
          [1, 49n],
        ]),
      ).gap,
    ).toBe(false);
  });

  it('affects only its own partition', () => {
    const buffer = new ReplayBuffer(10);
    buffer.refillStartsAt(1, 100n);
    buffer.append([rec(0, 0), rec(1, 100)]);
    expect(
      buffer.after(
        new Map([
          [0, -1n],
          [1, 99n],
        ]),
      ).gap,
    ).toBe(false);
    expect(
      buffer.after(
        new Map([
          [0, -1n],
          [1, 50n],
        ]),
      ).gap,
    ).toBe(true);
  });

  it('at offset 0 makes nothing a gap', () => {
    const buffer = new ReplayBuffer(10);
    buffer.refillStartsAt(0, 0n);
    buffer.append([rec(0, 0)]);
    expect(buffer.after(new Map([[0, -1n]])).gap).toBe(false);
  });
});

describe('ReplayBuffer.since', () => {
  it('returns the records stamped at or after the time, without a gap while the buffer reaches back that far', () => {
    const buffer = new ReplayBuffer(10);
    buffer.append([rec(0, 0), rec(0, 1), rec(1, 2), rec(0, 3)]);
    const replay = buffer.since(2);
    expect(keys(replay.events)).toEqual(['1:2', '0:3']);
    expect(replay.gap).toBe(false);
    expect(buffer.since(0).events).toHaveLength(4);
  });

  it('reports a gap when records older than the buffer were dropped and the time is before the oldest kept', () => {
    const buffer = new ReplayBuffer(2);
    buffer.append([rec(0, 0), rec(0, 1), rec(0, 2), rec(0, 3)]);
    expect(buffer.since(1)).toEqual({ events: buffer.since(2).events, gap: true });
    expect(buffer.since(2).gap).toBe(false);
  });

  it('reports a gap after a refill that started past older records', () => {
    const buffer = new ReplayBuffer(10);
    buffer.refillStartsAt(0, 5n);
    buffer.append([rec(0, 5), rec(0, 6)]);
    expect(buffer.since(0).gap).toBe(true);
    expect(buffer.since(5).gap).toBe(false);
  });

  describe('bounded by bytes (maxBytes)', () => {
    const big = (partition: number, offset: number, size: number): StreamRecord => ({
      ...rec(partition, offset),
      value: 'v'.repeat(size),
    });

    it('evicts the oldest records beyond maxBytes, counts what it holds, and says a gap before them', () => {
      const one = recordBytes(big(0, 0, 1000));
      const buffer = new ReplayBuffer(100, one * 3);
      buffer.append([0, 1, 2, 3, 4].map((o) => big(0, o, 1000)));
      expect(buffer.size).toBe(3);
      expect(buffer.bytes).toBe(one * 3);
      expect(buffer.after(parseStreamPosition('0:0')).gap).toBe(true);
      expect(buffer.after(parseStreamPosition('0:1'))).toMatchObject({ gap: false });
      expect(buffer.after(parseStreamPosition('0:1')).events.map((e) => e.offset)).toEqual([
        2n,
        3n,
        4n,
      ]);
    });

    it('keeps the newest record whatever its size', () => {
      const buffer = new ReplayBuffer(100, 100);
      buffer.append([big(0, 0, 10), big(0, 1, 5000)]);
      expect(buffer.after(undefined).events.map((e) => e.offset)).toEqual([1n]);
      expect(buffer.bytes).toBe(recordBytes(big(0, 1, 5000)));
    });
  });
});
