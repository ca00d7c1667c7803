/** The producer process: read config, connect to Kafka in the background, listen, stop cleanly. */
import cluster from 'node:cluster';
import {
  HEALTH_PATHS,
  createLogger,
  exitOnStartupError,
  readTlsCredentials,
  serve,
  startTracing,
  tlsFilesOf,
} from '@demo-kafka/app-kit';
import { assertFixesApplied } from '@demo-kafka/kafka-client';
import { loadKafkaBinding, resourceNames } from '@demo-kafka/config';
import { workerDefault } from './cluster/default-workers.js';
import { runPrimary } from './cluster/run-primary.js';
import { takeHandedConnections } from './cluster/handed-connections.js';
import { MESSAGES_PATH } from './http/messages-route.js';
import { readProducerSettings } from './settings.js';
import { writeAccessOf } from './http/write-guard.js';
import { wireProducer } from './wire-producer.js';

const APP = 'demo-kafka-producer';

try {
  // Read and checked in the primary too, so a bad setting stops start-up once, before any fork.
  const settings = readProducerSettings();
  const binding = loadKafkaBinding(process.env, resourceNames(settings));
  const logger = createLogger(APP, settings.LOG_LEVEL);
  // Without its kafkajs fixes the app would break its promises (a retry written twice, a stalled stream).
  assertFixesApplied(logger);
  const access = writeAccessOf(settings);
  // Checked in the primary too, so a missing key file stops start-up before any fork.
  const tls = tlsFilesOf(settings);
  if (tls) readTlsCredentials(tls);
  if (cluster.isPrimary) {
    logger.info({ kafka: binding.redacted() }, binding.describe());
    logger.info(access.described, `POST ${MESSAGES_PATH}: auth ${String(access.described.auth)}`);
    // Which limit chose the process count, so a count that surprises can be traced to its cgroup file.
    const chosen = process.env.WORKERS ? { decidedBy: 'WORKERS' } : workerDefault();
    logger.info(
      { ...chosen, workers: settings.WORKERS },
      `${settings.WORKERS} producer process(es), decided by ${chosen.decidedBy}`,
    );
  }

  if (cluster.isPrimary && settings.WORKERS > 1) {
    runPrimary({
      workers: settings.WORKERS,
      logger,
      port: settings.PORT,
      scheme: tls ? 'https' : 'http',
    });
  } else {
    // Off (and the SDK not even loaded) unless the OTEL_* variables ask for traces.
    const tracing = await startTracing({
      serviceName: APP,
      logger,
      http: { routes: [MESSAGES_PATH], ignore: Object.values(HEALTH_PATHS) },
    });
    const producer = wireProducer(settings, binding, logger, {
      clustered: cluster.isWorker,
      traced: tracing !== undefined,
      access,
    });
    producer.start();
    await serve(producer.app, {
      port: settings.PORT,
      tls,
      logger,
      wrapRequests: tracing?.traceRequests,
      // A batch may stream for as long as its lines keep coming: bounded by idleness instead.
      timeouts: { requestMs: 0, idleMs: settings.BATCH_IDLE_TIMEOUT_MS },
      beforeClose: () => producer.endBatches(),
      handedConnections: cluster.isWorker ? takeHandedConnections : undefined,
      onShutdown: async () => {
        await producer.stop();
        await tracing?.shutdown();
      },
    });
  }
} catch (error) {
  exitOnStartupError(APP, error);
}
