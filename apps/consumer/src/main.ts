/** The consumer process: read config, consume in the background, stream to clients, stop cleanly. */
import { createLogger, createMetrics, exitOnStartupError, serve } from '@demo-kafka/app-kit';
import { loadKafkaConfig, watchKafkaConfig } from '@demo-kafka/config';
import { createApp } from './app.js';
import { createConsumerMetrics } from './consumer-metrics.js';
import { KafkaRecordSource } from './kafka/kafka-record-source.js';
import { readConsumerSettings } from './settings.js';
import { StreamHub } from './stream/stream-hub.js';

const APP = 'demo-kafka-consumer';

try {
  const settings = readConsumerSettings();
  const binding = loadKafkaConfig();
  const logger = createLogger(APP, settings.LOG_LEVEL);
  logger.info({ kafka: binding.redacted() }, binding.describe());

  const metrics = createMetrics();
  const consumerMetrics = createConsumerMetrics(metrics.registry);
  const hub = new StreamHub({
    replaySize: settings.REPLAY_SIZE,
    maxClients: settings.MAX_CLIENTS,
    maxClientBufferBytes: settings.MAX_CLIENT_BUFFER_BYTES,
    keepAliveMs: settings.KEEPALIVE_MS,
    retryMs: settings.RETRY_MS,
    metrics: consumerMetrics,
    logger,
  });
  const source = new KafkaRecordSource({
    binding,
    instanceId: settings.CONSUMER_INSTANCE,
    replaySize: settings.REPLAY_SIZE,
    logger,
    onRecords: (records) => hub.publish(records),
    onStart: (partition, offset) => hub.buffer.startsAt(partition, offset),
    nextOffset: (partition) => {
      const head = hub.buffer.head.get(partition);
      return head === undefined ? undefined : head + 1n;
    },
  });
  logger.info({ groupId: source.groupId }, 'consuming in a group of its own, so every replica streams every record');
  source.start();
  const watch = watchKafkaConfig(binding, {
    onChange: (next) => {
      logger.info({ kafka: next.redacted() }, 'binding changed; reconnecting');
      void source.reconnect(next);
    },
    onError: (error) => logger.error({ err: error }, 'binding changed but does not load; keeping the current one'),
  });

  const app = createApp({
    hub,
    readiness: () => source.readiness(),
    logger,
    metrics,
    consumerMetrics,
    corsOrigins: settings.CORS_ORIGINS,
    page: { producerUrl: settings.PRODUCER_URL },
  });
  await serve(app, {
    port: settings.PORT,
    logger,
    beforeClose: () => hub.closeAll(),
    onShutdown: async () => {
      watch.close();
      await source.close();
    },
  });
} catch (error) {
  exitOnStartupError(APP, error);
}
