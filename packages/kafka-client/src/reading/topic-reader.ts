import type { Kafka, KafkaMessage } from '../kafkajs.js';
import { kafkajsRequire } from '../fixes/kafkajs-version.js';

/** Where a partition's records are: the first offset Kafka still holds, and the next to be written. */
export interface PartitionOffsets {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

/** The records one read returned for a partition, and where the next read of it starts. */
export interface FetchedPartition {
  readonly partition: number;
  /** In offset order, without control records or aborted transactions' records. */
  readonly messages: readonly KafkaMessage[];
  /** The offset after the last one the read covered (control records and skipped batches too). */
  readonly nextOffset: bigint;
}

/** The parts of kafkajs' internal Cluster (kafkajs/src/cluster) a reader uses. */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): readonly { partitionId: number; leader: number }[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string }): Promise<KafkajsBroker>;
  fetchTopicsOffset(
    topics: readonly {
      topic: string;
      partitions: readonly { partition: number }[];
      fromBeginning?: boolean;
      fromTimestamp?: number;
    }[],
  ): Promise<{ partitions: { partition: number; offset: string }[] }[]>;
}

interface FetchPartitionData {
  readonly partition: number;
  readonly messages: KafkaMessage[];
  readonly abortedTransactions: unknown[];
}

interface KafkajsBroker {
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: {
      topic: string;
      partitions: { partition: number; fetchOffset: string; maxBytes: number }[];
    }[];
  }): Promise<{ responses: { topicName: string; partitions: FetchPartitionData[] }[] }>;
}

/** kafkajs' consumer Batch: drops records below the fetched offset, control records and aborted ones. */
type BatchClass = new (
  topic: string,
  fetchedOffset: string,
  partitionData: FetchPartitionData,
) => { readonly messages: KafkaMessage[]; readonly messagesWithinOffset: KafkaMessage[] };

const Batch = kafkajsRequire('kafkajs/src/consumer/batch.js') as BatchClass;
const READ_COMMITTED = 1;
/** A plain consumer's replica id (Kafka's protocol). */
const CONSUMER_REPLICA_ID = -1;
/** kafkajs keeps its cluster factory under this symbol, set in the Kafka constructor. */
const CREATE_CLUSTER = 'private:Kafka:createCluster';

function createCluster(kafka: InstanceType<typeof Kafka>): KafkajsCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  const create = symbol && (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof create !== 'function')
    throw new Error(`kafkajs has no ${CREATE_CLUSTER}: this reader needs kafkajs 2.2`);
  return create({ allowAutoTopicCreation: false, isolationLevel: READ_COMMITTED });
}

export interface TopicReaderOptions {
  /** How long a read waits for records when there are none yet (the broker's fetch wait). */
  readonly maxWaitMs?: number;
  /** How many bytes a read waits for, up to maxWaitMs (default 1: it answers with the first record). */
  readonly minBytes?: number;
}

/**
 * Reads any partition of one topic from any offset, with no consumer group: the fetch requests
 * a consumer sends, without its membership, so one reader serves any number of readers of the
 * past at the cost of one set of connections. Reads as a consumer does (committed records only).
 */
export class TopicReader {
  readonly #cluster: KafkajsCluster;
  #ready: Promise<void> | undefined;
  /** The topic's metadata was loaded once: the leaders can be told. */
  #loaded = false;

  constructor(
    kafka: InstanceType<typeof Kafka>,
    readonly topic: string,
    private readonly options: TopicReaderOptions = {},
  ) {
    this.#cluster = createCluster(kafka);
  }

  /** Every partition of the topic with the offsets Kafka holds (the low and high watermarks). */
  async offsets(): Promise<PartitionOffsets[]> {
    const partitions = await this.#partitions();
    const [low, high] = await Promise.all([
      this.#listOffsets(partitions, { fromBeginning: true }),
      this.#listOffsets(partitions, { fromBeginning: false }),
    ]);
    return partitions.map((partition) => ({
      partition,
      low: low.get(partition) ?? 0n,
      high: high.get(partition) ?? 0n,
    }));
  }

  /**
   * Per partition, the first offset whose record is stamped at or after `timestamp` (ms), by
   * ListOffsets; the high watermark when no record is.
   */
  async offsetsAt(timestamp: number): Promise<Map<number, bigint>> {
    const partitions = await this.#partitions();
    const [at, high] = await Promise.all([
      this.#listOffsets(partitions, { fromTimestamp: timestamp }),
      this.#listOffsets(partitions, { fromBeginning: false }),
    ]);
    return new Map(
      partitions.map((p) => {
        const offset = at.get(p) ?? -1n;
        return [p, offset < 0n ? (high.get(p) ?? 0n) : offset];
      }),
    );
  }

  /**
   * Records from `from` (the next offset to read, per partition), at most about `maxBytes` in
   * all (Kafka returns one record batch at least, however large). Errors are kafkajs' own
   * (an offset out of range, a leader moved): the metadata is refreshed before they are thrown.
   * `wait` overrides the reader's own fetch wait for this read.
   */
  async read(
    from: ReadonlyMap<number, bigint>,
    maxBytes: number,
    wait: TopicReaderOptions = this.options,
  ): Promise<FetchedPartition[]> {
    await this.#connect();
    const cluster = this.#cluster;
    const byLeader = cluster.findLeaderForPartitions(this.topic, [...from.keys()]);
    try {
      const answers = await Promise.all(
        Object.entries(byLeader).map(async ([nodeId, partitions]) => {
          const broker = await cluster.findBroker({ nodeId });
          return broker.fetch({
            replicaId: CONSUMER_REPLICA_ID,
            isolationLevel: READ_COMMITTED,
            maxWaitTime: wait.maxWaitMs ?? 500,
            minBytes: wait.minBytes ?? 1,
            maxBytes,
            topics: [
              {
                topic: this.topic,
                partitions: partitions.map((partition) => ({
                  partition,
                  fetchOffset: String(from.get(partition) ?? 0n),
                  maxBytes,
                })),
              },
            ],
          });
        }),
      );
      const fetched: FetchedPartition[] = [];
      for (const { responses } of answers)
        for (const { partitions } of responses)
          for (const data of partitions) {
            const offset = from.get(data.partition) ?? 0n;
            const batch = new Batch(this.topic, String(offset), data);
            const last = batch.messagesWithinOffset.at(-1);
            fetched.push({
              partition: data.partition,
              messages: batch.messages,
              nextOffset: last ? BigInt(last.offset) + 1n : offset,
            });
          }
      return fetched;
    } catch (error) {
      await cluster.refreshMetadata().catch(() => undefined);
      throw error;
    }
  }

  /** The leader (node id) of each partition as this reader last saw it; empty before its first read. */
  leaders(): ReadonlyMap<number, number> {
    if (!this.#loaded) return new Map();
    return new Map(
      this.#cluster.findTopicPartitionMetadata(this.topic).map((p) => [p.partitionId, p.leader]),
    );
  }

  /** Closes the reader's connections. */
  async close(): Promise<void> {
    this.#ready = undefined;
    this.#loaded = false;
    await this.#cluster.disconnect();
  }

  async #partitions(): Promise<number[]> {
    await this.#connect();
    return this.#cluster
      .findTopicPartitionMetadata(this.topic)
      .map((p) => p.partitionId)
      .sort((a, b) => a - b);
  }

  async #listOffsets(
    partitions: readonly number[],
    from: { fromBeginning: boolean } | { fromTimestamp: number },
  ): Promise<Map<number, bigint>> {
    const answer = await this.#cluster.fetchTopicsOffset([
      { topic: this.topic, partitions: partitions.map((partition) => ({ partition })), ...from },
    ]);
    return new Map(
      answer.flatMap((t) => t.partitions.map((p) => [p.partition, BigInt(p.offset)] as const)),
    );
  }

  /** Connects once (kafkajs reconnects to each broker as needed), again after a failed try. */
  async #connect(): Promise<void> {
    if (!this.#ready) {
      const ready = (async () => {
        await this.#cluster.connect();
        await this.#cluster.addTargetTopic(this.topic);
        this.#loaded = true;
      })();
      this.#ready = ready;
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
    }
    await this.#ready;
    await this.#cluster.refreshMetadataIfNecessary();
  }
}
