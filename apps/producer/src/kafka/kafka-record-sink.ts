import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, Readiness } from '@demo-kafka/app-kit';
import {
  ConnectionSupervisor,
  PartitionRouter,
  Partitioners,
  RetryTimeSpent,
  chosenPartition,
  classifyKafkaError,
  compressionType,
  createKafka,
  ensureTopic,
  firstChoicePartitioner,
  producerFailoverTuning,
  retryBatchUntilLatest,
  retryUntil,
  type Admin,
  type CompressionName,
  type CompressionType,
  type Message,
  type Producer,
  type ProducerFailoverTuning,
  type RecordMetadata,
} from '@demo-kafka/kafka-client';
import type { KafkaBinding } from '@demo-kafka/config';
import { BatchingSender } from '../batching/batching-sender.js';
import type { ProducerMetrics } from '../producer-metrics.js';
import { recordOffsets } from './record-offsets.js';
import {
  SinkError,
  type OutgoingRecord,
  type RecordAck,
  type RecordHeaders,
  type RecordSink,
} from './record-sink.js';

export interface KafkaRecordSinkOptions {
  readonly binding: KafkaBinding;
  readonly logger: Logger;
  readonly metrics: ProducerMetrics;
  readonly produceTimeoutMs: number;
  readonly batchMaxRecords: number;
  readonly batchMaxBytes: number;
  /** The codec of the record batches written (KAFKA_COMPRESSION); none when not given. */
  readonly compression?: CompressionName;
}

/** The kafkajs clients of one binding (replaced whole when the credentials rotate). */
interface Clients {
  readonly binding: KafkaBinding;
  readonly createProducer: () => Producer;
  producer: Producer;
  readonly admin: Admin;
  /**
   * A send failed without a known outcome (the batch may be in the log). kafkajs has rolled its
   * sequence numbers back, so this producer must not send again: the next one gets a new id.
   */
  stale: boolean;
  connected: boolean;
  /** The replacement of a stale producer under way (by the probe or by the next batch). */
  renewing?: Promise<void>;
}

/**
 * Writes records to the binding's topic with one idempotent kafkajs producer, coalescing
 * concurrent writes into batches, and keeps the connection usable in the background.
 */
export class KafkaRecordSink implements RecordSink {
  #clients: Clients;
  readonly #sender: BatchingSender<Message, RecordAck>;
  readonly #supervisor: ConnectionSupervisor;
  /** Where each record goes, from the partitions and leaders kafkajs last saw. */
  readonly #router = new PartitionRouter();
  /** The sends in flight of each producer, which must settle before it is disconnected. */
  readonly #sends = new WeakMap<Producer, Set<Promise<unknown>>>();
  readonly #tuning: ProducerFailoverTuning;
  readonly #compression: CompressionType;
  /**
   * Whether a write is refused at once while Kafka is not ready: until the first batch went
   * through and after a batch failed. A probe that is only slow (a broker of the cluster frozen
   * or cut off) is no reason to refuse: the write may still succeed within its produce timeout.
   */
  #refuseWhileNotReady = true;

  constructor(private readonly options: KafkaRecordSinkOptions) {
    this.#tuning = producerFailoverTuning(options.produceTimeoutMs);
    // Throws for a codec this Node cannot write: the settings refuse it first, with the same reason.
    this.#compression = compressionType(options.compression ?? 'none');
    this.#clients = this.#createClients(options.binding);
    this.#sender = new BatchingSender(
      (messages) => this.#sendBatch(messages),
      {
        maxRecords: options.batchMaxRecords,
        maxBytes: options.batchMaxBytes,
        // Each leader's records go on their own, so one that does not answer holds only its own.
        lanes: {
          partitionOf: (message) => message.partition ?? undefined,
          groupOf: (partition) => this.#router.leaderOf(this.topic, partition),
          reroute: (message, avoid) =>
            message.key === undefined || message.key === null
              ? this.#router.route(this.topic, message, avoid)
              : (message.partition ?? undefined),
        },
        // A keyless record written elsewhere at once is better than one that waits on a stuck leader.
        slowAfterMs: this.#tuning.slowLeaderMs,
        // A 503 for a record not yet sent means it is never written; one in flight may still land.
        timeoutMs: options.produceTimeoutMs,
        timeoutError: () => {
          // Probe now: readiness turns off (saying why) if Kafka does not answer the probe either.
          this.#supervisor.probeSoon();
          return new SinkError(
            'timeout',
            `Kafka did not acknowledge the message within ${options.produceTimeoutMs} ms`,
          );
        },
      },
      (size) => options.metrics.batchSize.observe(size),
    );
    this.#supervisor = new ConnectionSupervisor({
      logger: options.logger,
      probe: () => this.#probe(),
    });
  }

  /** Starts connecting in the background; the app serves (and answers 503) meanwhile. */
  start(): void {
    this.#supervisor.start();
  }

  readiness(): Readiness {
    return this.#supervisor.readiness();
  }

  get topic(): string {
    return this.#clients.binding.topic;
  }

  write(record: OutgoingRecord): Promise<RecordAck> {
    const refused = this.#refusal();
    if (refused !== undefined) return Promise.reject(refused);
    const now = Date.now();
    const message = this.#message(record, now);
    if (message === undefined)
      return Promise.reject(new SinkError('timeout', 'the time to write the message was spent'));
    const deadline = record.deadline ?? now + this.options.produceTimeoutMs;
    return this.#sender
      .send(message, recordBytes(record), deadline - now)
      .catch((error: unknown) => {
        throw this.#failed(error);
      });
  }

  async writeAll(records: readonly OutgoingRecord[]): Promise<Array<RecordAck | SinkError>> {
    const refused = this.#refusal();
    if (refused !== undefined) return records.map(() => refused);
    const now = Date.now();
    const outcomes = new Array<RecordAck | SinkError>(records.length);
    const messages: Message[] = [];
    const bytes: number[] = [];
    const timeouts: number[] = [];
    const places: number[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as OutgoingRecord;
      const message = this.#message(record, now);
      if (message === undefined) {
        outcomes[i] = new SinkError('timeout', 'the time to write the message was spent');
        continue;
      }
      messages.push(message);
      bytes.push(recordBytes(record));
      timeouts.push((record.deadline ?? now + this.options.produceTimeoutMs) - now);
      places.push(i);
    }
    const sent = await this.#sender.sendAll(messages, bytes, timeouts);
    for (let j = 0; j < sent.length; j++) {
      const outcome = sent[j];
      outcomes[places[j] as number] =
        outcome === undefined || outcome instanceof Error ? this.#failed(outcome) : outcome;
    }
    return outcomes;
  }

  /** Why writes are refused at once now (Kafka not ready), or undefined. */
  #refusal(): SinkError | undefined {
    const state = this.#supervisor.readiness();
    if (!state.ready && this.#refuseWhileNotReady)
      return new SinkError('not-ready', state.reason ?? 'Kafka is not ready yet');
    return undefined;
  }

  /** The kafkajs message of `record`, routed to its partition; undefined when its deadline passed. */
  #message(record: OutgoingRecord, now: number): Message | undefined {
    const { key, headers } = record;
    // kafkajs reads no field it is not given; its header type wants mutable arrays, which it never changes.
    const message: Message = {
      value: record.value,
      timestamp: String(now),
      key,
      headers: headers as Message['headers'],
    };
    const deadline = record.deadline ?? now + this.options.produceTimeoutMs;
    if (deadline <= now) return undefined;
    retryUntil(message, deadline);
    this.#router.route(this.topic, message);
    return message;
  }

  /** A failed write as the SinkError it is answered with, counted. */
  #failed(error: unknown): SinkError {
    const sinkError = error instanceof SinkError ? error : this.#toSinkError(error);
    // Successes are counted per batch (#sendBatch): at thousands of POSTs a second, a metric
    // update per record was a measurable share of the CPU.
    this.options.metrics.produceFailures.inc({ reason: sinkError.kind });
    return sinkError;
  }

  /**
   * Rotated credentials: connect with the new binding first (the old clients keep sending
   * meanwhile), then switch, and retire the old clients once their batch in flight settled.
   */
  async reconnect(binding: KafkaBinding): Promise<void> {
    const next = this.#createClients(binding);
    try {
      await this.#connect(next);
    } catch (error) {
      // The new credentials do not work (yet): switch anyway, as the old ones are being revoked.
      this.options.logger.warn(
        { reason: this.#toSinkError(error).message },
        'the new binding does not connect yet',
      );
    }
    const old = this.#clients;
    this.#clients = next;
    this.#supervisor.recheck('reconnecting with new credentials');
    await this.#sendsSettled(old.producer);
    await this.#disconnect(old);
  }

  /** Finishes every queued and in-flight write, then disconnects. */
  async close(): Promise<void> {
    await this.#sender.drained();
    await this.#supervisor.stop();
    await this.#disconnect(this.#clients);
  }

  #createClients(binding: KafkaBinding): Clients {
    const kafka = createKafka(binding, this.options.logger, this.#tuning.client);
    const createProducer = (): Producer =>
      kafka.producer({
        ...this.#tuning.producer,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Kafka reports one base offset per partition; knowing where each message went gives each
        // its own offset. The wrapper keeps the first choice for the retries and ends them when the
        // batch's time is spent.
        createPartitioner: firstChoicePartitioner(
          Partitioners.DefaultPartitioner,
          (topic, partitions) => this.#router.observe(topic, partitions),
        ),
      });
    return {
      binding,
      createProducer,
      producer: createProducer(),
      admin: kafka.admin(this.#tuning.admin),
      connected: false,
      stale: false,
    };
  }

  async #probe(): Promise<void> {
    const clients = this.#clients;
    await this.#connect(clients);
    await this.#renew(clients);
    await ensureTopic(clients.admin, clients.binding.topic);
  }

  /** Replaces a stale producer by one with a new id, connected before it takes over. */
  async #renew(clients: Clients): Promise<void> {
    if (!clients.stale) return;
    clients.renewing ??= (async () => {
      const fresh = clients.createProducer();
      try {
        await fresh.connect();
      } catch (error) {
        await fresh.disconnect().catch(() => {});
        throw error;
      }
      const old = clients.producer;
      clients.producer = fresh;
      clients.stale = false;
      // Batches of other partitions may still be in flight on the old producer: their outcome is
      // awaited (the fresh one takes new batches meanwhile) before it is disconnected.
      void this.#sendsSettled(old).then(() => old.disconnect().catch(() => {}));
    })().finally(() => (clients.renewing = undefined));
    await clients.renewing;
  }

  /**
   * Renews a stale producer for a batch, trying again while the batch has time left: each new
   * producer asks a broker picked at random, so one cut off from the clients fails only one try.
   */
  async #renewBefore(clients: Clients, untilMs: number): Promise<void> {
    for (;;) {
      try {
        await this.#renew(clients);
        return;
      } catch (error) {
        if (!classifyKafkaError(error).retriable || Date.now() + RENEW_PAUSE_MS >= untilMs)
          throw new SinkError(
            'not-ready',
            `reconnecting to Kafka after a failed write: ${this.#toSinkError(error).message}`,
          );
        await sleep(RENEW_PAUSE_MS);
      }
    }
  }

  async #connect(clients: Clients): Promise<void> {
    if (!clients.connected) {
      await clients.admin.connect();
      await clients.producer.connect();
      clients.connected = true;
    }
  }

  async #sendBatch(messages: readonly Message[]): Promise<Array<RecordAck | Error>> {
    const clients = this.#clients;
    const until = retryBatchUntilLatest(messages);
    // The batch waits for the new producer rather than failing: its records have time left.
    if (clients.stale) await this.#renewBefore(clients, until);
    const sending = this.#produce(clients, messages);
    try {
      const acks = await sending;
      this.#refuseWhileNotReady = false;
      return acks;
    } catch (error) {
      const sinkError = this.#toSinkError(error);
      // One record too large for the topic fails the whole request: send each alone, so only it gets 413.
      if (sinkError.kind === 'too-large' && messages.length > 1)
        return this.#sendOneByOne(clients, messages);
      if (classifyKafkaError(error).kind === 'producer-state') {
        // Kafka is fine; this producer's sequence numbers are out of step with a partition's (as
        // the Java producer does, the batch fails and the next one goes with a new producer id).
        // Answering later POSTs 503 until a probe passed would refuse writes Kafka would take.
        clients.stale = true;
        this.options.logger.warn(
          { reason: sinkError.message, records: messages.length },
          'Kafka refused the producer state; the next batch takes a new producer id',
        );
      } else if (sinkError.kind === 'unavailable') {
        clients.stale = true;
        // A batch that spent its whole produce timeout says only that Kafka was slow (a broker
        // being fenced, or two down): later POSTs still get their own timeout. A definite failure
        // (unreachable, refused) is answered at once until a probe passes.
        this.#refuseWhileNotReady = !(
          error instanceof RetryTimeSpent ||
          (error as { cause?: unknown }).cause instanceof RetryTimeSpent
        );
        this.#supervisor.reportFailure(error);
      }
      throw error;
    }
  }

  async #sendOneByOne(
    clients: Clients,
    messages: readonly Message[],
  ): Promise<Array<RecordAck | Error>> {
    const acks: Array<RecordAck | Error> = [];
    for (const message of messages) {
      acks.push(
        await this.#produce(clients, [message]).then(
          (ack) => ack[0] ?? new Error('no ack'),
          (error: unknown) => this.#toSinkError(error),
        ),
      );
    }
    return acks;
  }

  async #produce(clients: Clients, messages: readonly Message[]): Promise<RecordAck[]> {
    const { producer, binding } = clients;
    const { metrics } = this.options;
    const results: RecordMetadata[] = [];
    let unanswered = messages;
    while (unanswered.length > 0) {
      const started = performance.now();
      let answered: RecordMetadata[];
      const send = producer.send({
        topic: binding.topic,
        acks: -1,
        timeout: this.#tuning.ackTimeoutMs,
        compression: this.#compression,
        messages: [...unanswered],
      });
      const sends = this.#sends.get(producer) ?? new Set();
      this.#sends.set(producer, sends.add(send));
      try {
        answered = await send;
      } finally {
        sends.delete(send);
        // Failed and timed-out requests too: they are the slow ones.
        metrics.produceRequestSeconds.observe((performance.now() - started) / 1000);
      }
      results.push(...answered);
      // kafkajs resends a retry only to the brokers that had not answered yet: a partition whose
      // leader moved to one that had is left out, unsent, and missing from the results. Its last
      // request failed and rolled its sequence numbers back, and no request of the send is still
      // in flight when send() returns (app-kit's send-messages-fix), so sending it again is exact:
      // a broker that has the batch already drops the copy. Until the batch's time is spent (the
      // partitioner ends it), those records go again, on their own.
      const partitions = new Set(answered.map((r) => r.partition));
      unanswered = unanswered.filter((message) => !partitions.has(chosenPartition(message) ?? -1));
      if (unanswered.length > 0)
        this.options.logger.warn(
          { records: unanswered.length },
          'kafkajs left records of a moved partition unsent: sending them again',
        );
    }
    metrics.recordsProduced.inc(messages.length);
    const partitions = messages.map(
      (message) => chosenPartition(message) ?? results[0]?.partition ?? 0,
    );
    const offsets = recordOffsets(
      partitions,
      results.map((r) => ({ partition: r.partition, baseOffset: r.baseOffset ?? '0' })),
    );
    return messages.map((message, i) => ({
      topic: binding.topic,
      partition: partitions[i] ?? 0,
      offset: offsets[i] ?? '0',
      timestampMs: Number(message.timestamp),
    }));
  }

  /** Resolves once every send in flight on `producer` has its outcome. */
  async #sendsSettled(producer: Producer): Promise<void> {
    await Promise.allSettled([...(this.#sends.get(producer) ?? [])]);
  }

  #toSinkError(error: unknown): SinkError {
    const { kind, reason } = classifyKafkaError(error);
    return new SinkError(kind === 'too-large' ? 'too-large' : 'unavailable', reason);
  }

  async #disconnect(clients: Clients): Promise<void> {
    await Promise.allSettled([clients.producer.disconnect(), clients.admin.disconnect()]);
  }
}

/** The pause between two tries to renew a stale producer (a try that fails fast does not spin). */
const RENEW_PAUSE_MS = 200;

/** About the bytes a record adds to a batch. */
function recordBytes(record: OutgoingRecord): number {
  const { value, key, headers } = record;
  return value.length + (key?.length ?? 0) + (headers === undefined ? 0 : headerBytes(headers));
}

/** About the bytes the headers add to a batch (names and values; Kafka adds a few per header). */
function headerBytes(headers: RecordHeaders): number {
  let bytes = 0;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === 'string') bytes += name.length + value.length;
    else for (const each of value ?? []) bytes += name.length + each.length;
  }
  return bytes;
}
