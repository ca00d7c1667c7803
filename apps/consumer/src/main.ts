/** The consumer process: read config, consume in the background, stream to clients, stop cleanly. */
import {
  createLogger,
  exitOnStartupError,
  serve,
  startTracing,
  tlsFilesOf,
} from '@demo-kafka/app-kit';
import { assertFixesApplied } from '@demo-kafka/kafka-client';
import { loadKafkaBinding, resourceNames } from '@demo-kafka/config';
import { readConsumerSettings } from './settings.js';
import { readAccessOf } from './http/read-guard.js';
import { STREAM_PATH } from './http/messages-stream-route.js';
import { wireConsumer } from './wire-consumer.js';

const APP = 'demo-kafka-consumer';

try {
  const settings = readConsumerSettings();
  const binding = loadKafkaBinding(process.env, resourceNames(settings));
  const logger = createLogger(APP, settings.LOG_LEVEL);
  // Without its kafkajs fixes the app would break its promises (a retry written twice, a stalled stream).
  assertFixesApplied(logger);
  logger.info({ kafka: binding.redacted() }, binding.describe());
  const access = readAccessOf(settings);
  logger.info(access.described, `GET ${STREAM_PATH}: auth ${String(access.described.auth)}`);

  // Off (and the SDK not even loaded) unless the OTEL_* variables ask for traces. A span per
  // record, no HTTP spans: a stream lives as long as its client, and probes are not worth tracing.
  const tracing = await startTracing({ serviceName: APP, logger });
  const consumer = wireConsumer(settings, binding, logger, {
    traced: tracing !== undefined,
    access,
  });
  consumer.start();
  await serve(consumer.app, {
    port: settings.PORT,
    tls: tlsFilesOf(settings),
    logger,
    beforeClose: () => consumer.endStreams(),
    onShutdown: async () => {
      await consumer.stop();
      await tracing?.shutdown();
    },
  });
} catch (error) {
  exitOnStartupError(APP, error);
}
