import type { Logger, Readiness } from '@demo-kafka/app-kit';
import {
  ConnectionSupervisor,
  classifyKafkaError,
  consumerFailoverTuning,
  createKafka,
  ensureTopic,
  onUndecodableBatch,
  type Admin,
  type Consumer,
} from '@demo-kafka/kafka-client';
import type { KafkaBinding } from '@demo-kafka/config';
import type { Counter } from 'prom-client';
import type { ResumePoints } from '../stream/resume-points.js';
import type { StreamRecord } from '../stream/stream-record.js';
import { streamRecordOf } from './stream-record-of.js';

export interface KafkaRecordSourceOptions {
  readonly binding: KafkaBinding;
  /** Makes this process's group its own, so every replica receives every record. */
  readonly instanceId: string;
  /** How many records back to start from, per partition, to refill the replay buffer. */
  readonly replaySize: number;
  readonly logger: Logger;
  /** Receives records in the order they were consumed. */
  readonly onRecords: (records: StreamRecord[]) => void;
  /** Where to resume each partition after a (re)join; told where the refill starts. */
  readonly resume: ResumePoints;
  /** Counts the record batches skipped because they could not be decoded. */
  readonly undecodableBatches: Pick<Counter, 'inc'>;
}

/** The kafkajs clients of one binding (replaced whole when the credentials rotate). */
interface Clients {
  readonly binding: KafkaBinding;
  readonly consumer: Consumer;
  readonly admin: Admin;
  /** Where consuming starts per partition: `replaySize` back from the end, to refill the buffer. */
  readonly start: Map<number, bigint>;
  running: boolean;
  /** In its group and fetching; false from a crash until kafkajs has rejoined. */
  joined: boolean;
  /** Why kafkajs last crashed (reported by the probe while it is not rejoined). */
  crash: unknown;
}

/**
 * One kafkajs consumer per process, in a group of its own under the binding's prefix. It
 * starts `replaySize` records back so a restarted process refills its buffer, commits
 * nothing, and after any rejoin seeks to just after what it already has.
 */
export class KafkaRecordSource {
  #clients: Clients;
  readonly #supervisor: ConnectionSupervisor;
  readonly #stopListening: () => void;

  constructor(private readonly options: KafkaRecordSourceOptions) {
    this.#clients = this.#createClients(options.binding);
    this.#supervisor = new ConnectionSupervisor({
      logger: options.logger,
      probe: () => this.#probe(),
    });
    // kafka-client skips a batch it cannot decode (so the partition streams on) and says so here:
    // its records are lost to the stream, which only this warn and the metric tell.
    this.#stopListening = onUndecodableBatch((skip) => {
      if (skip.groupId !== this.groupId) return;
      options.undecodableBatches.inc();
      options.logger.warn(
        {
          topic: skip.topic,
          partition: skip.partition,
          firstOffset: skip.firstOffset,
          lastOffset: skip.lastOffset,
          err: skip.error,
        },
        'a record batch could not be decoded: its records are skipped, the stream goes on after it',
      );
    });
  }

  /** The consumer group this process uses (under the binding's prefix, as the ACLs require). */
  get groupId(): string {
    return groupIdFor(this.#clients.binding, this.options.instanceId);
  }

  start(): void {
    this.#supervisor.start();
  }

  readiness(): Readiness {
    return this.#supervisor.readiness();
  }

  /** Rotated credentials: stop the old consumer, start one with the new binding where the old one was. */
  async reconnect(binding: KafkaBinding): Promise<void> {
    const old = this.#clients;
    this.#clients = this.#createClients(binding);
    await this.#disconnect(old);
    this.#supervisor.recheck('reconnecting with new credentials');
  }

  async close(): Promise<void> {
    this.#stopListening();
    await this.#supervisor.stop();
    await this.#disconnect(this.#clients);
  }

  #createClients(binding: KafkaBinding): Clients {
    const kafka = createKafka(binding, this.options.logger, consumerFailoverTuning.client);
    const consumer = kafka.consumer({
      ...consumerFailoverTuning.consumer,
      groupId: groupIdFor(binding, this.options.instanceId),
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 250,
    });
    const clients: Clients = {
      binding,
      consumer,
      admin: kafka.admin(),
      start: new Map(),
      running: false,
      joined: false,
      crash: undefined,
    };
    // After every (re)join, resume right after what the buffer holds, or at the refill start.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      clients.joined = true;
      for (const partition of payload.memberAssignment[binding.topic] ?? []) {
        const next =
          this.options.resume.nextOffset(partition) ?? clients.start.get(partition) ?? 0n;
        consumer.seek({ topic: binding.topic, partition, offset: String(next) });
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      clients.joined = false;
      clients.crash = payload.error;
      // restart: kafkajs rejoins by itself, and GROUP_JOIN seeks back into place; otherwise the
      // probe starts this consumer again. Either way, not ready until it has rejoined.
      if (!payload.restart) clients.running = false;
      // kafkajs' own crash lines are at debug; what it cannot mend by retrying and no reason of
      // readiness explains is a fault worth its stack.
      if (!payload.restart && classifyKafkaError(payload.error).kind === 'other')
        this.options.logger.error(
          { err: payload.error },
          'the Kafka consumer crashed; starting it again',
        );
      this.#supervisor.reportFailure(payload.error);
    });
    return clients;
  }

  async #probe(): Promise<void> {
    const clients = this.#clients;
    if (!clients.running) await this.#startConsuming(clients);
    // A crash is reported through an event, not by run(), which resolves all the same.
    if (!clients.running || !clients.joined)
      throw clients.crash ?? new Error('the consumer is joining its group');
    await clients.admin.fetchTopicMetadata({ topics: [clients.binding.topic] });
  }

  async #startConsuming(clients: Clients): Promise<void> {
    const { topic } = clients.binding;
    await clients.admin.connect();
    await ensureTopic(clients.admin, topic);
    const offsets = await clients.admin.fetchTopicOffsets(topic);
    const { start } = clients;
    for (const { partition, low, high } of offsets) {
      const from = BigInt(high) - BigInt(this.options.replaySize);
      start.set(partition, from > BigInt(low) ? from : BigInt(low));
    }
    await clients.consumer.connect();
    await clients.consumer.subscribe({ topic, fromBeginning: false });
    for (const [partition, offset] of start) this.options.resume.refillStartsAt(partition, offset);
    clients.crash = undefined;
    clients.running = true;
    await clients.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        this.options.onRecords(
          batch.messages.map((message) => streamRecordOf(batch.topic, batch.partition, message)),
        );
      },
    });
  }

  async #disconnect(clients: Clients): Promise<void> {
    clients.running = false;
    await Promise.allSettled([clients.consumer.disconnect(), clients.admin.disconnect()]);
  }
}

function groupIdFor(binding: KafkaBinding, instanceId: string): string {
  return `${binding.groupId}-${instanceId}`;
}
