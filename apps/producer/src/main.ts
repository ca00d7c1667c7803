/** The producer process: read config, connect to Kafka in the background, listen, stop cleanly. */
import cluster from 'node:cluster';
import { createLogger, exitOnStartupError, serve } from '@demo-kafka/app-kit';
import { loadKafkaBinding, resourceNames } from '@demo-kafka/config';
import { workerDefault } from './cluster/default-workers.js';
import { runPrimary } from './cluster/run-primary.js';
import { readProducerSettings } from './settings.js';
import { wireProducer } from './wire-producer.js';

const APP = 'demo-kafka-producer';

try {
  // Read and checked in the primary too, so a bad setting stops start-up once, before any fork.
  const settings = readProducerSettings();
  const binding = loadKafkaBinding(process.env, resourceNames(settings));
  const logger = createLogger(APP, settings.LOG_LEVEL);
  if (cluster.isPrimary) {
    logger.info({ kafka: binding.redacted() }, binding.describe());
    // Which limit chose the process count, so a count that surprises can be traced to its cgroup file.
    const chosen = process.env.WORKERS ? { decidedBy: 'WORKERS' } : workerDefault();
    logger.info({ ...chosen, workers: settings.WORKERS }, `${settings.WORKERS} producer process(es), decided by ${chosen.decidedBy}`);
  }

  if (cluster.isPrimary && settings.WORKERS > 1) {
    runPrimary({ workers: settings.WORKERS, logger });
  } else {
    const producer = wireProducer(settings, binding, logger, { clustered: cluster.isWorker });
    producer.start();
    await serve(producer.app, { port: settings.PORT, logger, onShutdown: () => producer.stop() });
  }
} catch (error) {
  exitOnStartupError(APP, error);
}
