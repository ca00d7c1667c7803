import { createMetrics, type Logger } from '@demo-kafka/app-kit';
import { reconnectOnBindingChange } from '@demo-kafka/kafka-client';
import type { KafkaBinding } from '@demo-kafka/config';
import type { Express } from 'express';
import { createApp } from './app.js';
import { createConsumerMetrics } from './consumer-metrics.js';
import { KafkaRecordSource } from './kafka/kafka-record-source.js';
import { KafkaTopicHistory } from './kafka/kafka-topic-history.js';
import type { ReadAccess } from './http/read-guard.js';
import type { ConsumerSettings } from './settings.js';
import { StreamHub } from './stream/stream-hub.js';
import { RecordSpans } from './tracing/record-spans.js';

/** The consumer's parts, connected to each other but not yet to Kafka or a port. */
export interface ConsumerParts {
  readonly app: Express;
  readonly hub: StreamHub;
  readonly source: KafkaRecordSource;
  /** Starts consuming in the background and watching the binding for rotation. */
  start(): void;
  /** Ends every stream (before the server closes), so clients reconnect elsewhere. */
  endStreams(): void;
  /** Stops watching and disconnects from Kafka. */
  stop(): Promise<void>;
}

/** Builds the consumer from its settings and binding, as main.ts and the tests use it. */
export function wireConsumer(
  settings: ConsumerSettings,
  binding: KafkaBinding,
  logger: Logger,
  options: {
    processMetrics?: boolean;
    traced?: boolean;
    /** Who may read (see readAccessOf); absent: anyone, from any origin CORS_ORIGINS lists. */
    access?: ReadAccess | undefined;
  } = {},
): ConsumerParts {
  const metrics = createMetrics({ collectProcessMetrics: options.processMetrics ?? true });
  const consumerMetrics = createConsumerMetrics(metrics.registry);
  // Only when tracing is on: otherwise no span code runs per record.
  const spans = options.traced
    ? new RecordSpans(binding.topic, (): string => source.groupId)
    : undefined;
  const history = new KafkaTopicHistory(binding, logger);
  const hub = new StreamHub({
    replaySize: settings.REPLAY_SIZE,
    replayMaxBytes: settings.REPLAY_MAX_BYTES,
    maxCatchUps: settings.MAX_CATCH_UPS,
    history,
    maxClients: settings.MAX_CLIENTS,
    maxClientBufferBytes: settings.MAX_CLIENT_BUFFER_BYTES,
    keepAliveMs: settings.KEEPALIVE_MS,
    retryMs: settings.RETRY_MS,
    metrics: consumerMetrics,
    logger,
    ...(spans ? { deliveries: spans } : {}),
  });
  const source = new KafkaRecordSource({
    binding,
    instanceId: settings.CONSUMER_INSTANCE,
    replaySize: settings.REPLAY_SIZE,
    logger,
    onRecords: spans
      ? (records) => {
          spans.received(records);
          hub.publish(records);
        }
      : (records) => hub.publish(records),
    resume: hub.resumePoints,
    undecodableBatches: consumerMetrics.undecodableBatches,
  });
  const app = createApp({
    hub,
    readiness: () => source.readiness(),
    logger,
    metrics,
    consumerMetrics,
    corsOrigins: options.access?.corsOrigins ?? settings.CORS_ORIGINS,
    maxClientStreams: settings.MAX_CLIENT_STREAMS,
    ...(options.access?.guard ? { guard: options.access.guard } : {}),
    page: { producerUrl: settings.PRODUCER_URL },
    topic: binding.topic,
  });
  let watch: { close(): void } | undefined;
  return {
    app,
    hub,
    source,
    start: () => {
      logger.info(
        { groupId: source.groupId },
        'consuming in a group of its own, so every replica streams every record',
      );
      source.start();
      watch = reconnectOnBindingChange(binding, logger, async (next) => {
        await Promise.all([source.reconnect(next), history.reconnect(next)]);
      });
    },
    endStreams: () => hub.closeAll(),
    stop: async () => {
      watch?.close();
      await Promise.all([source.close(), history.close()]);
      spans?.endAll();
    },
  };
}
