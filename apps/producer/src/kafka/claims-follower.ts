import type { Logger } from '@demo-kafka/app-kit';
import { classifyKafkaError, type TopicReader } from '@demo-kafka/kafka-client';
import type { ClaimsPartition } from './claims-partition.js';

export interface ClaimsFollowerOptions {
  readonly partitions: readonly ClaimsPartition[];
  /** The reader that follows the claims topic (the current binding's). */
  readonly reader: () => TopicReader;
  readonly logger: Logger;
  /** Whether the log was closed (the follower stops). */
  readonly closed: () => boolean;
}

const FETCH_BYTES = 1024 * 1024;
/** Leader id of the partitions whose leader is not known yet: read together, the reader finds them. */
const UNKNOWN_LEADER = -1;

/**
 * Reads the claims partitions for as long as the log is open, with one long poll per leader:
 * a poll answers as soon as any partition of its leader has a new record, so the claims of many
 * requests are read back in one response, and a leader that does not answer holds only the
 * partitions it leads. When leadership moves, a poll for the new leader starts.
 */
export class ClaimsFollower {
  /** The leaders whose partitions are being polled. */
  readonly #polling = new Set<number>();

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
          for (const { partition, messages, nextOffset } of await reader.read(from, FETCH_BYTES))
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
