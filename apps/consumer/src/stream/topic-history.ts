import type { StreamRecord } from './stream-record.js';

/** Where a partition's records are in Kafka: the first offset it still holds, and the next to be written. */
export interface PartitionExtent {
  readonly low: bigint;
  readonly high: bigint;
}

/** What one read from Kafka returned: records in offset order per partition, and where to read next. */
export interface HistoryChunk {
  readonly records: readonly StreamRecord[];
  /** The next offset to read per partition read (past skipped control records too). */
  readonly next: ReadonlyMap<number, bigint>;
}

/**
 * The topic as Kafka still holds it: what a resume reads when the replay buffer no longer
 * reaches back to it. One reader per process serves every catch-up (no consumer group per client).
 */
export interface TopicHistory {
  /** Every partition of the topic, with the offsets Kafka holds. */
  extent(): Promise<ReadonlyMap<number, PartitionExtent>>;
  /** Per partition, the first offset stamped at or after `since` (ms); `high` when none is. */
  offsetsAt(since: number): Promise<ReadonlyMap<number, bigint>>;
  /** Records from `from` (the next offset per partition), about `maxBytes` at most (one record at least). */
  read(from: ReadonlyMap<number, bigint>, maxBytes: number): Promise<HistoryChunk>;
}
