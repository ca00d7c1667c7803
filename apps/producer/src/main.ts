/** The producer process: read config, connect to Kafka in the background, listen, stop cleanly. */
import { createLogger, createMetrics, exitOnStartupError, serve } from '@demo-kafka/app-kit';
import { loadKafkaConfig, watchKafkaConfig } from '@demo-kafka/config';
import { createApp } from './app.js';
import { KafkaRecordSink } from './kafka/kafka-record-sink.js';
import { createProducerMetrics } from './producer-metrics.js';
import { readProducerSettings } from './settings.js';

const APP = 'demo-kafka-producer';

try {
  const settings = readProducerSettings();
  const binding = loadKafkaConfig();
  const logger = createLogger(APP, settings.LOG_LEVEL);
  logger.info({ kafka: binding.redacted() }, binding.describe());

  const metrics = createMetrics();
  const sink = new KafkaRecordSink({
    binding,
    logger,
    metrics: createProducerMetrics(metrics.registry),
    produceTimeoutMs: settings.PRODUCE_TIMEOUT_MS,
    batchMaxRecords: settings.BATCH_MAX_RECORDS,
    batchMaxBytes: settings.BATCH_MAX_BYTES,
  });
  sink.start();
  const watch = watchKafkaConfig(binding, {
    onChange: (next) => {
      logger.info({ kafka: next.redacted() }, 'binding changed; reconnecting');
      void sink.reconnect(next);
    },
    onError: (error) => logger.error({ err: error }, 'binding changed but does not load; keeping the current one'),
  });

  const app = createApp({
    sink,
    logger,
    metrics,
    maxMessageBytes: settings.MAX_MESSAGE_BYTES,
    produceTimeoutMs: settings.PRODUCE_TIMEOUT_MS,
    token: settings.PRODUCER_TOKEN, corsOrigins: settings.CORS_ORIGINS,
  });
  await serve(app, {
    port: settings.PORT,
    logger,
    onShutdown: async () => {
      watch.close();
      await sink.close();
    },
  });
} catch (error) {
  exitOnStartupError(APP, error);
}
