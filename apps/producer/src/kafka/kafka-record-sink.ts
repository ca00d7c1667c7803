import {
  ConnectionSupervisor,
  Partitioners,
  classifyKafkaError,
  createKafka,
  ensureTopic,
  type Admin,
  type Logger,
  type Message,
  type Producer,
  type Readiness,
} from '@demo-kafka/app-kit';
import type { KafkaBinding } from '@demo-kafka/config';
import { BatchingSender } from '../batching/batching-sender.js';
import type { ProducerMetrics } from '../producer-metrics.js';
import { recordOffsets } from './record-offsets.js';
import { failoverTuning, type FailoverTuning } from './failover-tuning.js';
import { SinkError, type OutgoingRecord, type RecordAck, type RecordHeaders, type RecordSink } from './record-sink.js';

export interface KafkaRecordSinkOptions {
  readonly binding: KafkaBinding;
  readonly logger: Logger;
  readonly metrics: ProducerMetrics;
  readonly produceTimeoutMs: number;
  readonly batchMaxRecords: number;
  readonly batchMaxBytes: number;
}

/** Where our partitioner wrapper records the partition chosen for a message (cheaper than a WeakMap). */
const CHOSEN_PARTITION = Symbol('chosen partition');
type RoutedMessage = Message & { [CHOSEN_PARTITION]?: number };

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
}

/**
 * Writes records to the binding's topic with one idempotent kafkajs producer, coalescing
 * concurrent writes into batches, and keeps the connection usable in the background.
 */
export class KafkaRecordSink implements RecordSink {
  #clients: Clients;
  readonly #sender: BatchingSender<Message, RecordAck>;
  readonly #supervisor: ConnectionSupervisor;
  /** Settles when the batch being sent (if any) has its outcome. */
  #inFlight: Promise<void> = Promise.resolve();
  readonly #tuning: FailoverTuning;

  constructor(private readonly options: KafkaRecordSinkOptions) {
    this.#tuning = failoverTuning(options.produceTimeoutMs);
    this.#clients = this.#createClients(options.binding);
    this.#sender = new BatchingSender((messages) => this.#sendBatch(messages), {
      maxRecords: options.batchMaxRecords,
      maxBytes: options.batchMaxBytes,
      // A 503 for a record not yet sent means it is never written; one in flight may still land.
      timeoutMs: options.produceTimeoutMs,
      timeoutError: () => {
        // Probe now: readiness turns off (saying why) if Kafka does not answer the probe either.
        this.#supervisor.probeSoon();
        return new SinkError('timeout', `Kafka did not acknowledge the message within ${options.produceTimeoutMs} ms`);
      },
    }, (size) => options.metrics.batchSize.observe(size));
    this.#supervisor = new ConnectionSupervisor({ logger: options.logger, probe: () => this.#probe() });
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
    const state = this.#supervisor.readiness();
    if (!state.ready) return Promise.reject(new SinkError('not-ready', state.reason ?? 'Kafka is not ready yet'));
    const { key, headers } = record;
    // kafkajs reads no field it is not given; its header type wants mutable arrays, which it never changes.
    const message: Message = { value: record.value, timestamp: String(Date.now()), key, headers: headers as Message['headers'] };
    // Successes are counted per batch (#sendBatch): at thousands of POSTs a second, a metric
    // update per record was a measurable share of the CPU.
    const bytes = record.value.length + (key?.length ?? 0) + (headers === undefined ? 0 : headerBytes(headers));
    return this.#sender.send(message, bytes).catch((error: unknown) => {
      const sinkError = error instanceof SinkError ? error : this.#toSinkError(error);
      this.options.metrics.produceFailures.inc({ reason: sinkError.kind });
      throw sinkError;
    });
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
      this.options.logger.warn({ reason: this.#toSinkError(error).message }, 'the new binding does not connect yet');
    }
    const old = this.#clients;
    this.#clients = next;
    this.#supervisor.recheck('reconnecting with new credentials');
    await this.#inFlight;
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
    const createProducer = (): Producer => kafka.producer({
      ...this.#tuning.producer,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Kafka reports one base offset per partition; knowing where each message went gives each
      // its own offset. The first choice is kept for the retries: kafkajs partitions the whole
      // batch again on each retry but resends only to the brokers that had not answered, so a
      // record moved to another partition would be either never sent or written twice.
      createPartitioner: () => {
        const choose = Partitioners.DefaultPartitioner();
        return (args) => ((args.message as RoutedMessage)[CHOSEN_PARTITION] ??= choose(args));
      },
    });
    return { binding, createProducer, producer: createProducer(), admin: kafka.admin(this.#tuning.admin), connected: false, stale: false };
  }

  async #probe(): Promise<void> {
    const clients = this.#clients;
    await this.#connect(clients);
    if (clients.stale) {
      // Connected before it takes over, so batches never meet a producer that is still connecting.
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
      await old.disconnect().catch(() => {});
    }
    await ensureTopic(clients.admin, clients.binding.topic);
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
    if (clients.stale) throw new SinkError('not-ready', 'reconnecting to Kafka after a failed write');
    const sending = this.#produce(clients, messages);
    this.#inFlight = sending.then(() => undefined, () => undefined);
    try {
      return await sending;
    } catch (error) {
      const sinkError = this.#toSinkError(error);
      // One record too large for the topic fails the whole request: send each alone, so only it gets 413.
      if (sinkError.kind === 'too-large' && messages.length > 1) return this.#sendOneByOne(clients, messages);
      if (sinkError.kind === 'unavailable') {
        clients.stale = true;
        this.#supervisor.reportFailure(error);
      }
      throw error;
    }
  }

  async #sendOneByOne(clients: Clients, messages: readonly Message[]): Promise<Array<RecordAck | Error>> {
    const acks: Array<RecordAck | Error> = [];
    for (const message of messages) {
      acks.push(await this.#produce(clients, [message]).then((ack) => ack[0] ?? new Error('no ack'), (error: unknown) => this.#toSinkError(error)));
    }
    return acks;
  }

  async #produce(clients: Clients, messages: readonly Message[]): Promise<RecordAck[]> {
    const { producer, binding } = clients;
    const { metrics } = this.options;
    const started = performance.now();
    let results;
    try {
      results = await producer.send({ topic: binding.topic, acks: -1, timeout: this.#tuning.ackTimeoutMs, messages: [...messages] });
    } finally {
      // Failed and timed-out requests too: they are the slow ones.
      metrics.produceRequestSeconds.observe((performance.now() - started) / 1000);
    }
    metrics.recordsProduced.inc(messages.length);
    const partitions = messages.map((message) => (message as RoutedMessage)[CHOSEN_PARTITION] ?? results[0]?.partition ?? 0);
    const offsets = recordOffsets(partitions, results.map((r) => ({ partition: r.partition, baseOffset: r.baseOffset ?? '0' })));
    return messages.map((message, i) => ({
      topic: binding.topic,
      partition: partitions[i] ?? 0,
      offset: offsets[i] ?? '0',
      timestampMs: Number(message.timestamp),
    }));
  }

  #toSinkError(error: unknown): SinkError {
    const { kind, reason } = classifyKafkaError(error);
    return new SinkError(kind === 'too-large' ? 'too-large' : 'unavailable', reason);
  }

  async #disconnect(clients: Clients): Promise<void> {
    await Promise.allSettled([clients.producer.disconnect(), clients.admin.disconnect()]);
  }
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
