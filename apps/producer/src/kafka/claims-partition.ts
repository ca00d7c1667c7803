import type { Logger } from '@demo-kafka/app-kit';
import { classifyKafkaError, type Message, type TopicReader } from '@demo-kafka/kafka-client';
import { BatchingSender } from '../batching/batching-sender.js';
import type { ClaimsIndex, ClaimsRecord } from '../idempotency/claims-index.js';
import { SinkError } from './record-sink.js';

/** A request waiting for the partition to be read past an offset. */
interface Waiter {
  readonly offset: bigint;
  readonly resolve: () => void;
}

export interface ClaimsPartitionOptions {
  readonly partition: number;
  readonly index: ClaimsIndex;
  readonly logger: Logger;
  /** The reader of the claims topic (the current binding's). */
  readonly reader: () => TopicReader;
  /** Appends messages to this partition: their offsets. */
  readonly appendBatch: (messages: readonly Message[]) => Promise<bigint[]>;
  readonly produceTimeoutMs: number;
  /** Whether the log was closed (the follower stops). */
  readonly closed: () => boolean;
}

const FETCH_BYTES = 1024 * 1024;

/**
 * One partition of the claims log: its appends, coalesced into one request at a time, and a
 * follower that reads it for as long as the log is open and applies each record to the index.
 * Each partition has its own, so a leader that does not answer holds only the keys of its own.
 */
export class ClaimsPartition {
  /** The next offset to read. */
  #position = 0n;
  #following = false;
  #waiters: Waiter[] = [];
  readonly #appender: BatchingSender<Message, bigint>;

  constructor(private readonly options: ClaimsPartitionOptions) {
    this.#appender = new BatchingSender((messages) => options.appendBatch(messages), {
      maxRecords: 500,
      maxBytes: 512 * 1024,
      timeoutMs: options.produceTimeoutMs,
      timeoutError: () =>
        new SinkError(
          'timeout',
          `Kafka did not acknowledge the idempotency key within ${options.produceTimeoutMs} ms`,
        ),
    });
  }

  /** Starts following from `offset` (once; later calls only move a follower that has not started). */
  follow(from: bigint): void {
    if (this.#following) return;
    this.#position = from;
    this.#following = true;
    void this.#follow();
  }

  /** Appends a claims record: its offset. */
  append(record: ClaimsRecord): Promise<bigint> {
    const value = JSON.stringify(record);
    return this.#appender.send(
      { key: record.key, value, partition: this.options.partition },
      value.length,
    );
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

  async #follow(): Promise<void> {
    const { partition, index, logger } = this.options;
    let failures = 0;
    while (!this.options.closed()) {
      const reader = this.options.reader();
      try {
        const from = new Map([[partition, this.#position]]);
        for (const { messages, nextOffset } of await reader.read(from, FETCH_BYTES)) {
          for (const message of messages) {
            const record = parseClaimsRecord(message.value);
            if (record) index.apply(record, BigInt(message.offset));
          }
          this.#position = nextOffset;
        }
        failures = 0;
        this.#wake();
      } catch (error) {
        failures += 1;
        // Retention may have passed the position (a long outage): go on from what Kafka holds.
        const low = await reader
          .offsets()
          .then((all) => all.find((p) => p.partition === partition)?.low)
          .catch(() => undefined);
        if (low !== undefined && low > this.#position) this.#position = low;
        if (failures === 1)
          logger.warn(
            { partition, reason: classifyKafkaError(error).reason },
            'reading the idempotency keys failed; retrying',
          );
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * failures)));
      }
    }
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
    if (record.kind === 'written' && typeof record.offset === 'string')
      return record as ClaimsRecord;
    return undefined;
  } catch {
    return undefined;
  }
}
