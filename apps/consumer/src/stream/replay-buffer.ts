import { formatStreamPosition, type StreamPosition } from '@demo-kafka/app-kit';
import type { ResumePoints } from './resume-points.js';
import { withId, type BufferedEvent, type StreamRecord } from './stream-record.js';

/** What a client resuming from a position gets from the buffer. */
export interface Replay {
  readonly events: readonly BufferedEvent[];
  /** Records the client had not seen were already dropped: it resumes from the oldest kept. */
  readonly gap: boolean;
}

/** Which records a filtered client gets (`undefined`: all of them). */
export type EventPredicate = (record: StreamRecord) => boolean;

/** What a record weighs in the buffer: its value (twice when it is not text) and a fixed part. */
export function recordBytes(record: StreamRecord): number {
  return RECORD_OVERHEAD_BYTES + record.value.length + (record.binaryValue?.length ?? 0);
}

/** Per record: its id, offset, key and the objects that hold them, roughly. */
const RECORD_OVERHEAD_BYTES = 200;

/**
 * The last `capacity` records (and no more than `maxBytes` of them), in the order they were
 * consumed, each with the event id that carries the position of every partition. Resuming from
 * an id replays exactly what that client has not seen, partition by partition. It is also where
 * the Kafka source resumes.
 */
export class ReplayBuffer implements ResumePoints {
  readonly #events: BufferedEvent[] = [];
  #bytes = 0;
  /** Highest offset seen per partition: the stream's head. */
  readonly #head = new Map<number, bigint>();
  /** Highest offset per partition that was never loaded (the refill after a restart starts later). */
  readonly #floor = new Map<number, bigint>();
  /** Highest offset per partition that was evicted to keep the buffer at capacity. */
  readonly #evicted = new Map<number, bigint>();

  constructor(
    readonly capacity: number,
    readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.#events.length;
  }

  /** What the records held weigh (see recordBytes). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The partitions this buffer has heard of: every partition of the topic once the refill began. */
  hasPartition(partition: number): boolean {
    return this.#floor.has(partition) || this.#head.has(partition);
  }

  /** Whether any partition is known yet (before the first refill, none is). */
  get knowsPartitions(): boolean {
    return this.#floor.size > 0 || this.#head.size > 0;
  }

  /** The position after the newest record (what a client that saw everything holds). */
  get head(): StreamPosition {
    return this.#head;
  }

  /** Marks offsets below `offset` in `partition` as not available (the buffer was refilled from there). */
  refillStartsAt(partition: number, offset: bigint): void {
    const before = offset - 1n;
    if (before > (this.#floor.get(partition) ?? -1n)) this.#floor.set(partition, before);
  }

  nextOffset(partition: number): bigint | undefined {
    const head = this.#head.get(partition);
    return head === undefined ? undefined : head + 1n;
  }

  /** Appends records; one already seen (a redelivery after a reconnect) is skipped. Returns those added. */
  append(records: readonly StreamRecord[]): BufferedEvent[] {
    const added: BufferedEvent[] = [];
    for (const record of records) {
      const head = this.#head.get(record.partition);
      if (head !== undefined && record.offset <= head) continue;
      this.#head.set(record.partition, record.offset);
      const event = withId(record, formatStreamPosition(this.#head, record.partition));
      this.#events.push(event);
      this.#bytes += recordBytes(event);
      added.push(event);
    }
    const events = this.#events;
    let excess = Math.max(0, events.length - this.capacity);
    let bytes = this.#bytes;
    for (let i = 0; i < excess; i++) bytes -= recordBytes(events[i] as BufferedEvent);
    // By bytes too, but the newest record stays whatever its size: a live client gets it anyway.
    while (excess < events.length - 1 && bytes > this.maxBytes) {
      bytes -= recordBytes(events[excess] as BufferedEvent);
      excess++;
    }
    if (excess > 0) {
      for (const evicted of this.#events.splice(0, excess)) {
        this.#bytes -= recordBytes(evicted);
        if (evicted.offset > (this.#evicted.get(evicted.partition) ?? -1n))
          this.#evicted.set(evicted.partition, evicted.offset);
      }
    }
    return added;
  }

  /**
   * Everything stamped at or after `since` (ms), for a client resuming by time; a gap when the
   * buffer no longer reaches back that far. With `matches`, only the events it keeps.
   */
  since(since: number, matches?: EventPredicate): Replay {
    const events = this.#events.filter(
      (e) => e.timestamp >= since && (matches === undefined || matches(e)),
    );
    const oldest = this.#events[0];
    const somethingOlderIsGone =
      this.#evicted.size > 0 || [...this.#floor.values()].some((offset) => offset >= 0n);
    return {
      events,
      gap: somethingOlderIsGone && (oldest === undefined || oldest.timestamp > since),
    };
  }

  /**
   * Everything after `position` (everything, for a new client), and whether some of it is gone.
   * With `matches`, only the events it keeps; the gap is judged on the whole topic (a filtered
   * client may be told of a gap that held none of its records).
   */
  after(position: StreamPosition | undefined, matches?: EventPredicate): Replay {
    if (!position)
      return {
        events: matches === undefined ? [...this.#events] : this.#events.filter(matches),
        gap: false,
      };
    const events = this.#events.filter(
      (e) => e.offset > (position.get(e.partition) ?? -1n) && (matches === undefined || matches(e)),
    );
    return { events, gap: this.gapAfter(position) };
  }

  /** Whether records after `position` that the client has not seen are no longer held. */
  gapAfter(position: StreamPosition): boolean {
    const missing = (partition: number, offset: bigint): boolean =>
      (this.#floor.get(partition) ?? -1n) > offset ||
      (this.#evicted.get(partition) ?? -1n) > offset;
    // A partition the position does not name was never received: an eviction there lost records
    // the client would have got, while a refill floor there predates the client altogether.
    for (const [partition, offset] of position) if (missing(partition, offset)) return true;
    for (const partition of this.#evicted.keys()) if (!position.has(partition)) return true;
    return false;
  }
}
