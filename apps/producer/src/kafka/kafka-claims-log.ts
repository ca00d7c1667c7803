import type { Logger } from '@demo-kafka/app-kit';
import type { KafkaBinding } from '@demo-kafka/config';
import {
  PartitionRouter,
  Partitioners,
  TopicReader,
  classifyKafkaError,
  createKafka,
  firstChoicePartitioner,
  producerFailoverTuning,
  type Admin,
  type KafkaMessage,
  type Message,
  type Producer,
} from '@demo-kafka/kafka-client';
import {
  ClaimsIndex,
  type Claim,
  type ClaimsRecord,
  type Holding,
  type KeyState,
  type Written,
} from '../idempotency/claims-index.js';
import { IDEMPOTENCY_RECORD_HEADER } from '../idempotency/idempotency-key.js';
import { BatchingSender } from '../batching/batching-sender.js';
import { ClaimsFollower } from './claims-follower.js';
import { ClaimsPartition } from './claims-partition.js';
import { SinkError } from './record-sink.js';

export interface KafkaClaimsLogOptions {
  readonly binding: KafkaBinding;
  readonly logger: Logger;
  /** How long a key is remembered (ms): the claims topic keeps its records this long. */
  readonly windowMs: number;
  readonly produceTimeoutMs: number;
}

/** The claims topic of a data topic: beside it, under the same prefix (so the same ACLs cover it). */
export function claimsTopicOf(topic: string): string {
  return `${topic}.idempotency-keys`;
}

/** The claims partition of an idempotency key, of `partitions`: every replica computes the same (FNV-1a). */
export function claimsPartitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % partitions;
}

/** Partitions of a claims topic this producer creates: a stuck leader holds only the keys of its own. */
export const CLAIMS_PARTITIONS = 6;
/** How far before a claim a record of its key may be stamped (clocks of replicas and brokers differ). */
const CLOCK_SKEW_MS = 10_000;
/** How far apart the replicas' clocks may be for a lease to hold (see leaseMs). */
const CLOCK_SLACK_MS = 5_000;
/** Longest the first read of the window's claims may take before an idempotent POST gets 503. */
const START_READ_TIMEOUT_MS = 60_000;
/** How often keys past the window are forgotten. */
const PRUNE_EVERY_MS = 10_000;
const FETCH_BYTES = 1024 * 1024;

/** The kafkajs clients of one binding. */
interface Clients {
  readonly binding: KafkaBinding;
  /** The claims topic of the binding's topic. */
  readonly topic: string;
  readonly admin: Admin;
  readonly createProducer: () => Producer;
  producer: Producer;
  /** A send failed with no known outcome: kafkajs rolled its sequences back, so the next send takes a new producer. */
  stale: boolean;
  readonly claims: TopicReader;
  /**
   * The follower's own reader: a broker serves one connection's requests one after the other,
   * so a look-up of offsets beside its long polls would wait for them.
   */
  readonly follower: TopicReader;
  /** The reads a waiting request asks for: not queued behind the follower's polls. */
  readonly urgent: TopicReader;
  readonly data: TopicReader;
}

/**
 * The claims of idempotency keys, in a compacted topic beside the data topic that every producer
 * replica reads from the start of the window and then follows: a replica claims a key in the
 * partition the key hashes to, reads that partition up to its claim, and writes the record only
 * if its claim is the one that holds the key (claims-index.ts). Nothing but Kafka is shared, and
 * every replica reads each partition in the same order.
 */
export class KafkaClaimsLog {
  readonly index = new ClaimsIndex();
  #clients: Clients;
  #partitions: ClaimsPartition[] = [];
  #follower: ClaimsFollower | undefined;
  /** Where the claims producer last saw each partition's leader (the appends' lanes). */
  readonly #router = new PartitionRouter();
  /** Appends of every partition: one request at a time per leader, each with that leader's records. */
  readonly #appender: BatchingSender<Message, bigint>;
  /** The record each append carries, to apply it once acknowledged (ClaimsPartition.appended). */
  readonly #appending = new WeakMap<Message, ClaimsRecord>();
  #started: Promise<void> | undefined;
  #closed = false;
  #prune: NodeJS.Timeout | undefined;
  readonly #leaseMs: number;

  constructor(private readonly options: KafkaClaimsLogOptions) {
    this.#clients = this.#createClients(options.binding);
    // The claimant's record is sent within its produce timeout from the request (before the
    // claim). A batch is retried until its latest record's time (routed-message.ts), and a record
    // that joined it was queued before ours timed out: retries end within two produce timeouts,
    // and a request still in flight then within a request timeout. The slack is for clocks.
    this.#leaseMs =
      CLOCK_SLACK_MS +
      2 * options.produceTimeoutMs +
      producerFailoverTuning(options.produceTimeoutMs).requestTimeoutMs;
    this.#appender = new BatchingSender((messages) => this.#appendBatch(messages), {
      maxRecords: 500,
      maxBytes: 512 * 1024,
      timeoutMs: options.produceTimeoutMs,
      timeoutError: () =>
        new SinkError(
          'timeout',
          `Kafka did not acknowledge the idempotency key within ${options.produceTimeoutMs} ms`,
        ),
      // A claim stays in its key's partition; it never moves.
      lanes: {
        partitionOf: (message) => message.partition ?? undefined,
        groupOf: (partition) => this.#router.leaderOf(this.#clients.topic, partition),
        reroute: (message) => message.partition ?? undefined,
      },
      // The claims producer sends one request at a time to a broker (maxInFlightRequests).
      oneBatchPerGroup: true,
    });
  }

  /** How long keys are remembered. */
  get windowMs(): number {
    return this.options.windowMs;
  }

  /** How long a claim holds its key. */
  get leaseMs(): number {
    return this.#leaseMs;
  }

  /** The state of `key`, having read the claims up to now (rejects while the log cannot be read). */
  async state(key: string, now = Date.now()): Promise<KeyState> {
    await this.#ready();
    return this.index.state(key, now);
  }

  /** Appends a claim and reads its partition up to it by `deadline`: whether it holds its key (undefined: not). */
  async claim(claim: Claim, deadline: number): Promise<Holding | undefined> {
    await this.#ready();
    const partition = this.#partitionOf(claim.key);
    const offset = await this.#append(partition, claim).catch(unavailable);
    const read = partition.readPast(offset, deadline - Date.now());
    // Another replica's records came before the claim: read them now, not at the next poll.
    if (partition.behind) this.#follower?.readSoon(partition);
    await read;
    return this.index.holding(claim.key, offset);
  }

  /** Records where the key's record was written (the first outcome in the log stands). */
  async written(written: Written): Promise<void> {
    await this.#ready();
    await this.#append(this.#partitionOf(written.key), written).catch(unavailable);
  }

  /**
   * Looks in the data topic for the record of a claim whose lease ran out with no outcome: from a
   * little before the claim to the end. Its claimant is no longer writing, so what is there is final.
   */
  async findWritten(claim: Claim): Promise<Written | undefined> {
    return this.#findWritten(claim).catch(unavailable);
  }

  /** Uses new credentials from the next request on. */
  async reconnect(binding: KafkaBinding): Promise<void> {
    const old = this.#clients;
    this.#clients = this.#createClients(binding);
    await this.#disconnect(old);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#prune);
    await this.#disconnect(this.#clients);
  }

  async #findWritten(claim: Claim): Promise<Written | undefined> {
    const { data, binding } = this.#clients;
    const from = await data.offsetsAt(claim.at - CLOCK_SKEW_MS);
    const ends = new Map((await data.offsets()).map((p) => [p.partition, p.high]));
    const next = new Map([...from].filter(([p, offset]) => offset < (ends.get(p) ?? 0n)));
    while (next.size > 0) {
      for (const { partition, messages, nextOffset } of await data.read(next, FETCH_BYTES)) {
        for (const message of messages)
          if (headerText(message, IDEMPOTENCY_RECORD_HEADER) === claim.key)
            return {
              kind: 'written',
              key: claim.key,
              fingerprint: claim.fingerprint,
              topic: binding.topic,
              partition,
              offset: message.offset,
              timestampMs: Number(message.timestamp),
            };
        if (nextOffset >= (ends.get(partition) ?? 0n)) next.delete(partition);
        else next.set(partition, nextOffset);
      }
    }
    return undefined;
  }

  /** Appends a claims record to its partition: its offset. */
  #append(partition: ClaimsPartition, record: ClaimsRecord): Promise<bigint> {
    const value = JSON.stringify(record);
    const message: Message = { key: record.key, value, partition: partition.partition };
    this.#appending.set(message, record);
    return this.#appender.send(message, value.length);
  }

  /** The claims partition of a key. */
  #partitionOf(key: string): ClaimsPartition {
    const partition = this.#partitions[claimsPartitionOf(key, this.#partitions.length)];
    if (partition === undefined)
      throw new SinkError('not-ready', 'the idempotency keys are not read yet');
    return partition;
  }

  #createClients(binding: KafkaBinding): Clients {
    const tuning = producerFailoverTuning(this.options.produceTimeoutMs);
    const kafka = createKafka(binding, this.options.logger, tuning.client);
    const createProducer = (): Producer =>
      kafka.producer({
        ...tuning.producer,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Every append names its partition; the router learns the leaders kafkajs sends to.
        createPartitioner: firstChoicePartitioner(Partitioners.DefaultPartitioner, (topic, p) =>
          this.#router.observe(topic, p),
        ),
      });
    const topic = claimsTopicOf(binding.topic);
    return {
      binding,
      topic,
      admin: kafka.admin(tuning.admin),
      createProducer,
      producer: createProducer(),
      stale: false,
      claims: new TopicReader(kafka, topic),
      follower: new TopicReader(kafka, topic),
      urgent: new TopicReader(kafka, topic),
      data: new TopicReader(kafka, binding.topic),
    };
  }

  async #disconnect(clients: Clients): Promise<void> {
    await Promise.allSettled([
      clients.admin.disconnect(),
      clients.producer.disconnect(),
      clients.claims.close(),
      clients.data.close(),
      clients.follower.close(),
      clients.urgent.close(),
    ]);
  }

  /** Connects, creates the claims topic if missing, and reads the window's claims (once; again after a failure). */
  #ready(): Promise<void> {
    this.#started ??= this.#start().catch((error: unknown) => {
      this.#started = undefined;
      return unavailable(error);
    });
    return this.#started;
  }

  async #start(): Promise<void> {
    const { admin, producer, claims, topic } = this.#clients;
    await admin.connect();
    await producer.connect();
    if (!(await admin.listTopics()).includes(topic))
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: CLAIMS_PARTITIONS,
            configEntries: [
              // The latest record of a key (its outcome) is kept, and nothing older than the window.
              { name: 'cleanup.policy', value: 'compact,delete' },
              { name: 'retention.ms', value: String(this.options.windowMs + 3_600_000) },
            ],
          },
        ],
      });
    const from = await claims.offsetsAt(Date.now() - this.options.windowMs - this.#leaseMs);
    // Kafka numbers partitions from 0: the i-th is partition i.
    const ends = (await claims.offsets()).sort((a, b) => a.partition - b.partition);
    // However many partitions the topic has (another version may have made it): all read the same.
    if (this.#partitions.length === 0)
      this.#partitions = ends.map(({ partition }) => new ClaimsPartition(partition, this.index));
    for (const [i, partition] of this.#partitions.entries()) partition.start(from.get(i) ?? 0n);
    this.#follower ??= new ClaimsFollower({
      partitions: this.#partitions,
      reader: () => this.#clients.follower,
      urgentReader: () => this.#clients.urgent,
      logger: this.options.logger,
      closed: () => this.#closed,
    });
    this.#follower.start();
    this.#prune ??= setInterval(
      () => this.index.prune(Date.now() - this.options.windowMs),
      PRUNE_EVERY_MS,
    ).unref();
    await Promise.all(
      ends.map(({ partition, high }) => {
        const claims = this.#partitions[partition];
        const read = claims?.readPast(high - 1n, START_READ_TIMEOUT_MS);
        if (claims?.behind) this.#follower?.readSoon(claims);
        return read;
      }),
    );
  }

  /** Sends appends of one leader's partitions (their `partition` set): their offsets. */
  async #appendBatch(messages: readonly Message[]): Promise<Array<bigint | Error>> {
    const clients = this.#clients;
    if (clients.stale) {
      const old = clients.producer;
      clients.producer = clients.createProducer();
      clients.stale = false;
      void old.disconnect().catch(() => {});
      await clients.producer.connect();
    }
    const results = await clients.producer
      .send({ topic: clients.topic, acks: -1, messages: [...messages] })
      .catch((error: unknown) => {
        clients.stale = true;
        throw error;
      });
    // A partition's records of the batch are at consecutive offsets from its base offset.
    const bases = new Map<number, bigint>();
    for (const { partition, baseOffset } of results)
      if (baseOffset !== undefined) bases.set(partition, BigInt(baseOffset));
    const own = new Map<number, ClaimsRecord[]>();
    const offsets = messages.map((message) => {
      const partition = message.partition ?? -1;
      const base = bases.get(partition);
      const record = this.#appending.get(message);
      if (base === undefined || record === undefined)
        return new Error('Kafka did not say where the claim was written');
      const records = own.get(partition) ?? [];
      records.push(record);
      own.set(partition, records);
      return base + BigInt(records.length - 1);
    });
    for (const [partition, records] of own)
      this.#partitions[partition]?.appended(bases.get(partition) ?? -1n, records);
    return offsets;
  }
}

/** A Kafka error as the HTTP layer answers it (503), saying it was the idempotency keys. */
function unavailable(error: unknown): never {
  if (error instanceof SinkError) throw error;
  throw new SinkError(
    'unavailable',
    `idempotency keys cannot be checked: ${classifyKafkaError(error).reason}`,
  );
}

/** A header of a fetched record as text. */
function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
