import type { Logger } from '@demo-kafka/app-kit';
import type { KafkaBinding } from '@demo-kafka/config';
import { consumerFailoverTuning, createKafka, TopicReader } from '@demo-kafka/kafka-client';
import type { HistoryChunk, PartitionExtent, TopicHistory } from '../stream/topic-history.js';
import type { StreamRecord } from '../stream/stream-record.js';
import { streamRecordOf } from './stream-record-of.js';

/**
 * The topic's past, read straight from Kafka for resumes the replay buffer no longer reaches:
 * one group-less reader per process, shared by every catch-up, replaced whole when the binding's
 * credentials rotate.
 */
export class KafkaTopicHistory implements TopicHistory {
  #reader: TopicReader;

  constructor(
    binding: KafkaBinding,
    private readonly logger: Logger,
  ) {
    this.#reader = this.#createReader(binding);
  }

  async extent(): Promise<ReadonlyMap<number, PartitionExtent>> {
    const offsets = await this.#reader.offsets();
    return new Map(offsets.map(({ partition, low, high }) => [partition, { low, high }]));
  }

  offsetsAt(since: number): Promise<ReadonlyMap<number, bigint>> {
    return this.#reader.offsetsAt(since);
  }

  async read(from: ReadonlyMap<number, bigint>, maxBytes: number): Promise<HistoryChunk> {
    const reader = this.#reader;
    const fetched = await reader.read(from, maxBytes);
    const records: StreamRecord[] = [];
    const next = new Map<number, bigint>();
    for (const { partition, messages, nextOffset } of fetched) {
      for (const message of messages)
        records.push(streamRecordOf(reader.topic, partition, message));
      next.set(partition, nextOffset);
    }
    return { records, next };
  }

  /** Rotated credentials: later reads use a reader with the new binding. */
  async reconnect(binding: KafkaBinding): Promise<void> {
    const old = this.#reader;
    this.#reader = this.#createReader(binding);
    await old.close();
  }

  async close(): Promise<void> {
    await this.#reader.close();
  }

  #createReader(binding: KafkaBinding): TopicReader {
    const kafka = createKafka(binding, this.logger, consumerFailoverTuning.client);
    return new TopicReader(kafka, binding.topic);
  }
}
