import type { Logger } from '@demo-kafka/app-kit';
import type { KafkaBinding } from '@demo-kafka/config';
import {
  TopicReader,
  classifyKafkaError,
  createKafka,
  producerFailoverTuning,
  type Admin,
  type KafkaMessage,
  type Message,
  type Producer,
} from '@demo-kafka/kafka-client';
import { BatchingSender } from '../batching/batching-sender.js';
import {
  ClaimsIndex,
  type Claim,
  type ClaimsRecord,
  type KeyState,
  type Written,
} from '../idempotency/claims-index.js';
import { IDEMPOTENCY_RECORD_HEADER } from '../idempotency/idempotency-key.js';
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

/** How far before a claim a record of its key may be stamped (clocks of replicas and brokers differ). */
const CLOCK_SKEW_MS = 10_000;
/** The claims topic has one partition: one order of all claims, read by every replica. */
const CLAIMS_PARTITION = 0;
const FETCH_BYTES = 1024 * 1024;
/** How long after a claim its write may start (see leaseMs). */
const WRITE_START_SLACK_MS = 5_000;
/** Longest the first read of the window's claims may take before an idempotent POST gets 503. */
const START_READ_TIMEOUT_MS = 60_000;
/** How often keys past the window are forgotten. */
const PRUNE_EVERY_MS = 10_000;

/** A request waiting for the log to be read past an offset. */
interface Waiter {
  readonly offset: bigint;
  readonly resolve: () => void;
}

/** The kafkajs clients of one binding. */
interface Clients {
  readonly binding: KafkaBinding;
  readonly admin: Admin;
  readonly createProducer: () => Producer;
  producer: Producer;
  /** A send failed with no known outcome: kafkajs rolled its sequence numbers back, so the next send takes a new producer. */
  stale: boolean;
  readonly claims: TopicReader;
  readonly data: TopicReader;
}

/**
 * The claims of idempotency keys, in a compacted topic beside the data topic that every producer
 * replica reads from the start of the window and then follows: a replica claims a key, reads the
 * log up to its claim, and writes the record only if its claim is the one that holds the key
 * (claims-index.ts). Nothing but Kafka is shared, and every replica reads the same order.
 */
export class KafkaClaimsLog {
  readonly index = new ClaimsIndex();
  #clients: Clients;
  /** The next offset of the claims partition to read. */
  #position = -1n;
  #started: Promise<void> | undefined;
  #closed = false;
  #following = false;
  #waiters: Waiter[] = [];
  readonly #leaseMs: number;
  readonly #appender: BatchingSender<Message, bigint>;

  constructor(private readonly options: KafkaClaimsLogOptions) {
    this.#clients = this.#createClients(options.binding);
    this.#appender = new BatchingSender((messages) => this.#appendBatch(messages), {
      maxRecords: 500,
      maxBytes: 512 * 1024,
      timeoutMs: options.produceTimeoutMs,
      timeoutError: () =>
        new SinkError(
          'timeout',
          `Kafka did not acknowledge the idempotency key within ${options.produceTimeoutMs} ms`,
        ),
    });
    // A write that starts within the slack after its claim is over by the end of the lease: its
    // retries end with its produce timeout, and a request in flight then within a request timeout.
    this.#leaseMs =
      WRITE_START_SLACK_MS +
      options.produceTimeoutMs +
      producerFailoverTuning(options.produceTimeoutMs).requestTimeoutMs;
  }

  /** How long after its claim a write may start: later, it could outlast the lease. */
  get writeStartMs(): number {
    return WRITE_START_SLACK_MS;
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

  /** Appends a claim and reads the log up to it: whether it is the claim that holds its key. */
  async claim(claim: Claim): Promise<boolean> {
    await this.#ready();
    const offset = await this.#append(claim);
    await this.#readPast(offset, this.options.produceTimeoutMs);
    return this.index.holds(claim.key, offset);
  }

  /** Records where the key's record was written (the first outcome in the log stands). */
  async written(written: Written): Promise<void> {
    await this.#append(written);
  }

  /**
   * Looks in the data topic for the record of a claim whose lease ran out with no outcome: from a
   * little before the claim to the end. Its claimant is no longer writing, so what is there is final.
   */
  async findWritten(claim: Claim): Promise<Written | undefined> {
    return this.#findWritten(claim).catch(unavailable);
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

  /** Uses new credentials from the next request on. */
  async reconnect(binding: KafkaBinding): Promise<void> {
    const old = this.#clients;
    this.#clients = this.#createClients(binding);
    await this.#disconnect(old);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#disconnect(this.#clients);
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
      });
    return {
      binding,
      admin: kafka.admin(tuning.admin),
      createProducer,
      producer: createProducer(),
      stale: false,
      claims: new TopicReader(kafka, claimsTopicOf(binding.topic)),
      data: new TopicReader(kafka, binding.topic),
    };
  }

  async #disconnect(clients: Clients): Promise<void> {
    await Promise.allSettled([
      clients.admin.disconnect(),
      clients.producer.disconnect(),
      clients.claims.close(),
      clients.data.close(),
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
    const { admin, producer, claims, binding } = this.#clients;
    await admin.connect();
    await producer.connect();
    const topic = claimsTopicOf(binding.topic);
    if (!(await admin.listTopics()).includes(topic))
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: 1,
            configEntries: [
              // The latest record of a key (its outcome) is kept, and nothing older than the window.
              { name: 'cleanup.policy', value: 'compact,delete' },
              { name: 'retention.ms', value: String(this.options.windowMs + 3_600_000) },
            ],
          },
        ],
      });
    const from = await claims.offsetsAt(Date.now() - this.options.windowMs - this.#leaseMs);
    const end = (await claims.offsets()).find((p) => p.partition === CLAIMS_PARTITION)?.high ?? 0n;
    this.#position = from.get(CLAIMS_PARTITION) ?? 0n;
    if (!this.#following) {
      this.#following = true;
      void this.#follow();
    }
    await this.#readPast(end - 1n, START_READ_TIMEOUT_MS);
  }

  /** Reads the claims partition for as long as the log is open, waking those waiting for an offset. */
  async #follow(): Promise<void> {
    let failures = 0;
    let prunedAt = Date.now();
    while (!this.#closed) {
      try {
        const from = new Map([[CLAIMS_PARTITION, this.#position]]);
        for (const { messages, nextOffset } of await this.#clients.claims.read(from, FETCH_BYTES)) {
          for (const message of messages) {
            const record = parseClaimsRecord(message);
            if (record) this.index.apply(record, BigInt(message.offset));
          }
          this.#position = nextOffset;
        }
        failures = 0;
        this.#wake();
        if (Date.now() - prunedAt >= PRUNE_EVERY_MS) {
          prunedAt = Date.now();
          this.index.prune(prunedAt - this.options.windowMs);
        }
      } catch (error) {
        failures += 1;
        // Retention may have passed the position (a long outage): go on from what Kafka holds.
        const low = await this.#clients.claims
          .offsets()
          .then((all) => all.find((p) => p.partition === CLAIMS_PARTITION)?.low)
          .catch(() => undefined);
        if (low !== undefined && low > this.#position) this.#position = low;
        if (failures === 1)
          this.options.logger.warn(
            { reason: classifyKafkaError(error).reason },
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

  /** Resolves once the log has been read past `offset`; rejects after `timeoutMs`. */
  #readPast(offset: bigint, timeoutMs: number): Promise<void> {
    if (offset < this.#position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new SinkError(
            'timeout',
            `the idempotency keys were not read back within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push({ offset, resolve: done });
    });
  }

  /** Appends a record to the claims partition: its offset. Concurrent appends ride in one request. */
  #append(record: ClaimsRecord): Promise<bigint> {
    const value = JSON.stringify(record);
    return this.#appender
      .send({ key: record.key, value, partition: CLAIMS_PARTITION }, value.length)
      .catch(unavailable);
  }

  async #appendBatch(messages: readonly Message[]): Promise<bigint[]> {
    const clients = this.#clients;
    if (clients.stale) {
      const old = clients.producer;
      clients.producer = clients.createProducer();
      clients.stale = false;
      void old.disconnect().catch(() => {});
      await clients.producer.connect();
    }
    const [result] = await clients.producer
      .send({ topic: claimsTopicOf(clients.binding.topic), acks: -1, messages: [...messages] })
      .catch((error: unknown) => {
        clients.stale = true;
        throw error;
      });
    // One partition: the batch's records are at consecutive offsets from its base offset.
    const base = BigInt(result?.baseOffset ?? '-1');
    return messages.map((_, i) => base + BigInt(i));
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

/** A claims record, or undefined for one this version does not know (skipped, not fatal). */
function parseClaimsRecord(message: KafkaMessage): ClaimsRecord | undefined {
  try {
    const record = JSON.parse(message.value?.toString() ?? '') as Partial<ClaimsRecord>;
    if (typeof record.key !== 'string' || typeof record.fingerprint !== 'string') return undefined;
    if (
      record.kind === 'claim' &&
      typeof record.at === 'number' &&
      typeof record.leaseMs === 'number'
    )
      return record as Claim;
    if (record.kind === 'written' && typeof record.offset === 'string') return record as Written;
    return undefined;
  } catch {
    return undefined;
  }
}
