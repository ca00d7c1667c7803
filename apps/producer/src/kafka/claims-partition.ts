import type { KafkaMessage } from '@demo-kafka/kafka-client';
import type { ClaimsIndex, ClaimsRecord } from '../idempotency/claims-index.js';
import { SinkError } from './record-sink.js';

/** A request waiting for the partition to be read past an offset. */
interface Waiter {
  readonly offset: bigint;
  readonly resolve: () => void;
}

/**
 * One partition of the claims log as this replica has read it: how far, and the requests that
 * wait for it to be read past their claim. Its records go to the index in offset order, each once,
 * however many reads returned them (reads overlap: the follower's, one asked for by a waiting
 * request, this replica's own appends).
 */
export class ClaimsPartition {
  /** The next offset to read. */
  #position = 0n;
  #started = false;
  #waiters: Waiter[] = [];

  constructor(
    readonly partition: number,
    private readonly index: ClaimsIndex,
  ) {}

  /** The next offset to read. */
  get position(): bigint {
    return this.#position;
  }

  /** Whether reading has started (see start). */
  get started(): boolean {
    return this.#started;
  }

  /** Reads from `from` on (once; later calls change nothing). */
  start(from: bigint): void {
    if (this.#started) return;
    this.#position = from;
    this.#started = true;
  }

  /** Applies a read's records not applied yet, and moves on to `nextOffset`. */
  take(messages: readonly KafkaMessage[], nextOffset: bigint): void {
    for (const message of messages) {
      const offset = BigInt(message.offset);
      if (offset < this.#position) continue;
      const record = parseClaimsRecord(message.value);
      if (record) this.index.apply(record, offset);
      this.#position = offset + 1n;
    }
    if (nextOffset > this.#position) this.#position = nextOffset;
    this.#wake();
  }

  /**
   * This replica's own records, appended at `base` on: applied now if everything before them was
   * read (the log holds exactly them there), so a claim need not wait for its own read-back.
   */
  appended(base: bigint, records: readonly ClaimsRecord[]): void {
    if (base !== this.#position) return;
    for (const [i, record] of records.entries()) this.index.apply(record, base + BigInt(i));
    this.#position = base + BigInt(records.length);
    this.#wake();
  }

  /** Whether a request waits for records not read yet. */
  get behind(): boolean {
    return this.#waiters.length > 0;
  }

  /** Retention passed the position (a long outage): goes on from the first offset Kafka holds. */
  skipTo(low: bigint): void {
    if (low <= this.#position) return;
    this.#position = low;
    this.#wake();
  }

  /** Resolves once the partition has been read past `offset`; rejects after `timeoutMs`. */
  readPast(offset: bigint, timeoutMs: number): Promise<void> {
    if (offset < this.#position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
          reject(
            new SinkError(
              'timeout',
              `the idempotency keys were not read back within ${timeoutMs} ms`,
            ),
          );
        },
        Math.max(0, timeoutMs),
      );
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push({ offset, resolve: done });
    });
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.offset < this.#position) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }
}

/** A claims record, or undefined for one this version does not know (skipped, not fatal). */
function parseClaimsRecord(value: Buffer | null): ClaimsRecord | undefined {
  try {
    const record = JSON.parse(value?.toString() ?? '') as Partial<ClaimsRecord>;
    if (typeof record.key !== 'string' || typeof record.fingerprint !== 'string') return undefined;
    if (
      record.kind === 'claim' &&
      typeof record.at === 'number' &&
      typeof record.leaseMs === 'number'
    )
      return record as ClaimsRecord;
    // The index keeps an outcome by its record's time: one without it would be forgotten at once.
    if (
      record.kind === 'written' &&
      typeof record.topic === 'string' &&
      typeof record.partition === 'number' &&
      typeof record.offset === 'string' &&
      typeof record.timestampMs === 'number'
    )
      return record as ClaimsRecord;
    return undefined;
  } catch {
    return undefined;
  }
}
