import type { Logger } from '@demo-kafka/app-kit';
import { classifyKafkaError, type TopicReader } from '@demo-kafka/kafka-client';
import type { ClaimsPartition } from './claims-partition.js';

export interface ClaimsFollowerOptions {
  readonly partitions: readonly ClaimsPartition[];
  /** The reader that follows the claims topic (the current binding's). */
  readonly reader: () => TopicReader;
  /** The reader of the reads a waiting request asks for: a connection of its own, not behind a poll. */
  readonly urgentReader: () => TopicReader;
  readonly logger: Logger;
  /** Whether the log was closed (the follower stops). */
  readonly closed: () => boolean;
}

const FETCH_BYTES = 1024 * 1024;
/** Leader id of the partitions whose leader is not known yet: read together, the reader finds them. */
const UNKNOWN_LEADER = -1;
/**
 * The follower's poll answers after this long, or once this much is new: other replicas' claims
 * are learnt within half a second, and a replica's own appends (applied as they are acknowledged)
 * do not each cost a read.
 */
const POLL = { maxWaitMs: 500, minBytes: FETCH_BYTES };
/** A read a request waits for: what it waits for is in the log already, so it answers at once. */
const URGENT = { maxWaitMs: 100, minBytes: 1 };
const URGENT_RETRY_MS = 200;

/**
 * Reads the claims partitions for as long as the log is open, with one poll per leader, so a
 * leader that does not answer holds only the partitions it leads (when leadership moves, a poll
 * for the new leader starts), and reads a partition at once when a request waits for records
 * there that were not read yet (another replica's claims came before its own).
 */
export class ClaimsFollower {
  /** The leaders whose partitions are being polled. */
  readonly #polling = new Set<number>();
  /** Partitions with a read asked for by a waiting request in flight. */
  readonly #urgent = new Set<number>();

  constructor(private readonly options: ClaimsFollowerOptions) {}

  /** Starts a poll for each leader that has none (again after a leadership moved). */
  start(): void {
    if (this.options.closed()) return;
    const leaders = this.options.reader().leaders();
    for (const { partition, started } of this.options.partitions) {
      if (!started) continue;
      const leader = leaders.get(partition) ?? UNKNOWN_LEADER;
      if (this.#polling.has(leader)) continue;
      this.#polling.add(leader);
      void this.#poll(leader);
    }
  }

  /** Reads `partition` now, and again while a request still waits there (one such read at a time). */
  readSoon(partition: ClaimsPartition): void {
    if (this.#urgent.has(partition.partition)) return;
    this.#urgent.add(partition.partition);
    void this.#readWhileBehind(partition).finally(() => this.#urgent.delete(partition.partition));
  }

  async #readWhileBehind(partition: ClaimsPartition): Promise<void> {
    const { partitions } = this.options;
    while (partition.behind && !this.options.closed()) {
      try {
        const from = new Map([[partition.partition, partition.position]]);
        const reads = await this.options.urgentReader().read(from, FETCH_BYTES, URGENT);
        for (const { partition: id, messages, nextOffset } of reads)
          partitions[id]?.take(messages, nextOffset);
      } catch {
        // The poll reads it too, and says why it cannot; a request waits no longer than its own time.
        await new Promise((resolve) => setTimeout(resolve, URGENT_RETRY_MS));
      }
    }
  }

  async #poll(leader: number): Promise<void> {
    const { partitions, logger } = this.options;
    let failures = 0;
    try {
      while (!this.options.closed()) {
        const reader = this.options.reader();
        const leaders = reader.leaders();
        const led = partitions.filter(
          (p) => p.started && (leaders.get(p.partition) ?? UNKNOWN_LEADER) === leader,
        );
        if (led.length === 0) return;
        try {
          const from = new Map(led.map((p) => [p.partition, p.position]));
          for (const { partition, messages, nextOffset } of await reader.read(
            from,
            FETCH_BYTES,
            POLL,
          ))
            partitions[partition]?.take(messages, nextOffset);
          failures = 0;
        } catch (error) {
          failures += 1;
          // Retention may have passed a position (a long outage): go on from what Kafka holds.
          const lows = await this.options
            .reader()
            .offsets()
            .catch(() => []);
          for (const { partition, low } of lows) partitions[partition]?.skipTo(low);
          if (failures === 1)
            logger.warn(
              { partitions: led.map((p) => p.partition), reason: classifyKafkaError(error).reason },
              'reading the idempotency keys failed; retrying',
            );
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * failures)));
        }
        // A read may have found that some partitions moved to another leader.
        this.start();
      }
    } finally {
      this.#polling.delete(leader);
      this.start();
    }
  }
}
