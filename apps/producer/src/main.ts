/** The producer process: read config, connect to Kafka in the background, listen, stop cleanly. */
import { createLogger, exitOnStartupError, serve } from '@demo-kafka/app-kit';
import { loadKafkaBinding, resourceNames } from '@demo-kafka/config';
import { readProducerSettings } from './settings.js';
import { wireProducer } from './wire-producer.js';

const APP = 'demo-kafka-producer';

try {
  const settings = readProducerSettings();
  const binding = loadKafkaBinding(process.env, resourceNames(settings));
  const logger = createLogger(APP, settings.LOG_LEVEL);
  logger.info({ kafka: binding.redacted() }, binding.describe());

  const producer = wireProducer(settings, binding, logger);
  producer.start();
  await serve(producer.app, { port: settings.PORT, logger, onShutdown: () => producer.stop() });
} catch (error) {
  exitOnStartupError(APP, error);
}
