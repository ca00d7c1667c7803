import cluster, { type Worker } from 'node:cluster';
import type { Logger, Readiness } from '@demo-kafka/app-kit';
import { AggregatorRegistry } from 'prom-client';
import { isClusterMessage, type ClusterMessage } from './messages.js';

const EX_CONFIG = 78;
const RESTART_DELAY_MS = 1_000;

export interface PrimaryOptions {
  readonly workers: number;
  readonly logger: Logger;
  /** How long workers get to drain after SIGTERM before they are killed. */
  readonly shutdownTimeoutMs?: number;
}

/**
 * The primary of a producer with several workers on one port (node:cluster): forks them,
 * replaces one that dies, tells every worker the readiness of the whole (ready when all are),
 * aggregates their metrics, and on SIGTERM/SIGINT has each drain its acknowledged-to-be writes
 * before it exits, then exits with the worst of their codes. It serves no HTTP itself.
 */
export function runPrimary(options: PrimaryOptions): void {
  const { logger } = options;
  const aggregator = new AggregatorRegistry();
  const readiness = new Map<number, Readiness>();
  let stopping = false;
  let exitCode = 0;
  let broadcast = '';

  const whole = (): Readiness => {
    const states = [...readiness.values()];
    const waiting = states.find((s) => !s.ready);
    if (waiting) return waiting;
    if (states.length < options.workers) return { ready: false, reason: `${states.length} of ${options.workers} workers ready` };
    return { ready: true };
  };
  const publish = (force = false): void => {
    const state = whole();
    const text = JSON.stringify(state);
    if (text === broadcast && !force) return;
    broadcast = text;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send({ type: 'producer:readiness', state } satisfies ClusterMessage);
  };

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.type === 'producer:readiness') {
        readiness.set(worker.id, message.state);
        publish(true);
      } else if (message.type === 'producer:metrics-request') {
        aggregator.clusterMetrics().then(
          (text) => worker.send({ type: 'producer:metrics', id: message.id, text, contentType: aggregator.contentType } satisfies ClusterMessage),
          (error: unknown) => logger.warn({ err: error }, 'could not aggregate the workers\' metrics'),
        );
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    readiness.delete(worker.id);
    if (stopping) {
      exitCode = Math.max(exitCode, code ?? 1);
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info({ exitCode }, 'every worker stopped');
        process.exit(exitCode);
      }
      return;
    }
    publish();
    if (code === EX_CONFIG) {
      // The same configuration would fail again in a new worker.
      logger.error({ pid: worker.process.pid }, 'a worker found the configuration invalid; stopping');
      stop(EX_CONFIG);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'a worker died; starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS).unref();
  });

  const stop = (code = 0): void => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    // Each worker stops accepting, answers what it has in flight once Kafka acknowledged it, and disconnects.
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
    setTimeout(() => {
      logger.error('workers took too long to stop; killing them');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, options.shutdownTimeoutMs ?? 25_000).unref();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'shutting down');
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  logger.info({ workers: options.workers }, 'starting workers');
  for (let i = 0; i < options.workers; i++) fork();
}
