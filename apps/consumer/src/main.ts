/** The consumer process: read config, consume in the background, stream to clients, stop cleanly. */
import { createLogger, exitOnStartupError, serve } from '@demo-kafka/app-kit';
import { loadKafkaBinding, resourceNames } from '@demo-kafka/config';
import { readConsumerSettings } from './settings.js';
import { wireConsumer } from './wire-consumer.js';

const APP = 'demo-kafka-consumer';

try {
  const settings = readConsumerSettings();
  const binding = loadKafkaBinding(process.env, resourceNames(settings));
  const logger = createLogger(APP, settings.LOG_LEVEL);
  logger.info({ kafka: binding.redacted() }, binding.describe());

  const consumer = wireConsumer(settings, binding, logger);
  consumer.start();
  await serve(consumer.app, {
    port: settings.PORT,
    logger,
    beforeClose: () => consumer.endStreams(),
    onShutdown: () => consumer.stop(),
  });
} catch (error) {
  exitOnStartupError(APP, error);
}
