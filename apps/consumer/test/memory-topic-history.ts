import type { HistoryChunk, PartitionExtent, TopicHistory } from '../src/stream/topic-history.js';
import type { StreamRecord } from '../src/stream/stream-record.js';

/** A topic's past held in memory, for the hub's pure tests: what Kafka would answer, and how often it was asked. */
export class MemoryTopicHistory implements TopicHistory {
  readonly #partitions = new Map<number, StreamRecord[]>();
  /** The first offset still held per partition (as retention would move it). */
  readonly low = new Map<number, bigint>();
  reads = 0;

  constructor(partitions = 1) {
    for (let p = 0; p < partitions; p++) this.#partitions.set(p, []);
  }

  /** Appends records, as Kafka holds them (one already held is skipped). */
  add(records: readonly StreamRecord[]): void {
    for (const record of records) {
      const list = this.#partitions.get(record.partition) ?? [];
      // A redelivery is not a new record.
      if (record.offset <= (list.at(-1)?.offset ?? -1n)) continue;
      list.push(record);
      this.#partitions.set(record.partition, list);
    }
  }

  async extent(): Promise<ReadonlyMap<number, PartitionExtent>> {
    return new Map(
      [...this.#partitions].map(([p, records]) => [
        p,
        {
          low: this.low.get(p) ?? records[0]?.offset ?? 0n,
          high: (records.at(-1)?.offset ?? -1n) + 1n,
        },
      ]),
    );
  }

  async offsetsAt(since: number): Promise<ReadonlyMap<number, bigint>> {
    const extent = await this.extent();
    return new Map(
      [...this.#partitions].map(([p, records]) => [
        p,
        records.find((r) => r.timestamp >= since && r.offset >= (this.low.get(p) ?? 0n))?.offset ??
          extent.get(p)?.high ??
          0n,
      ]),
    );
  }

  async read(from: ReadonlyMap<number, bigint>, maxBytes: number): Promise<HistoryChunk> {
    this.reads++;
    const records: StreamRecord[] = [];
    const next = new Map<number, bigint>();
    let bytes = 0;
    for (const [p, offset] of from) {
      const low = this.low.get(p) ?? 0n;
      if (offset < low) throw new Error(`offset ${offset} out of range in partition ${p}`);
      let at = offset;
      for (const record of this.#partitions.get(p) ?? []) {
        if (record.offset < offset) continue;
        if (bytes > 0 && bytes + record.value.length > maxBytes) break;
        records.push(record);
        bytes += record.value.length;
        at = record.offset + 1n;
      }
      next.set(p, at);
    }
    return { records, next };
  }
}
