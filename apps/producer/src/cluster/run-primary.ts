import cluster, { type Worker } from 'node:cluster';
import type { Logger, Readiness } from '@demo-kafka/app-kit';
import { AggregatorRegistry } from 'prom-client';
import { ConnectionAcceptor } from './connection-acceptor.js';
import { isClusterMessage, type ClusterMessage } from './messages.js';

const EX_CONFIG = 78;
const RESTART_DELAY_MS = 1_000;

export interface PrimaryOptions {
  readonly workers: number;
  readonly logger: Logger;
  /** The port the primary accepts connections on, for its workers. */
  readonly port: number;
  readonly host?: string | undefined;
  /** What the workers serve on it (they terminate TLS), for the log. */
  readonly scheme: 'http' | 'https';
  /** How long workers get to drain after SIGTERM before they are killed. */
  readonly shutdownTimeoutMs?: number;
}

/**
 * The primary of a producer with several workers on one port (node:cluster): forks them,
 * accepts their connections and hands each to one of them (connection-acceptor.ts),
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
  // Workers not yet exited, counted here: node:cluster keeps an exited worker in cluster.workers
  // until its IPC channel has closed too, which can come after 'exit', so the last worker's exit
  // would not be seen as the last and shutdown would wait for the kill timeout.
  const alive = new Set<number>();
  const acceptor = new ConnectionAcceptor({
    port: options.port,
    host: options.host,
    onListening: (port) => logger.info({ port, scheme: options.scheme }, 'listening'),
    onListenError: (error) => {
      logger.error({ err: error, port: options.port }, 'cannot listen; stopping');
      stop(1);
    },
    // node:cluster's own round-robin dropped such a connection silently; the client retries.
    onAcceptError: (error) => logger.warn({ err: error }, 'a connection could not be accepted'),
  });

  // A send on a closed channel is an 'error' event on the worker, which would crash the primary:
  // a worker that died (or is dying) gets nothing.
  const sendTo = (worker: Worker, message: ClusterMessage): void => {
    if (alive.has(worker.id) && worker.isConnected()) worker.send(message);
  };
  const whole = (): Readiness => {
    const states = [...readiness.values()];
    const waiting = states.find((s) => !s.ready);
    if (waiting) return waiting;
    if (states.length < options.workers)
      return { ready: false, reason: `${states.length} of ${options.workers} workers ready` };
    return { ready: true };
  };
  const publish = (force = false): void => {
    const state = whole();
    const text = JSON.stringify(state);
    if (text === broadcast && !force) return;
    broadcast = text;
    for (const worker of Object.values(cluster.workers ?? {}))
      if (worker) sendTo(worker, { type: 'producer:readiness', state });
  };

  const fork = (): Worker => {
    const worker = cluster.fork();
    alive.add(worker.id);
    worker.on('message', (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.type === 'producer:accepting') acceptor.add(worker);
      else if (message.type === 'producer:connection-closed') acceptor.closed(worker.id);
      else if (message.type === 'producer:readiness') {
        readiness.set(worker.id, message.state);
        publish(true);
      } else if (message.type === 'producer:metrics-request') {
        aggregator.clusterMetrics().then(
          (text) =>
            sendTo(worker, {
              type: 'producer:metrics',
              id: message.id,
              text,
              contentType: aggregator.contentType,
            }),
          (error: unknown) => {
            // Answered at once, so the scrape fails now with a reason instead of at the worker's own timeout.
            logger.warn({ err: error }, "could not aggregate the workers' metrics");
            sendTo(worker, {
              type: 'producer:metrics-failed',
              id: message.id,
              reason: error instanceof Error ? error.message : String(error),
            });
          },
        );
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    readiness.delete(worker.id);
    alive.delete(worker.id);
    acceptor.remove(worker.id);
    if (stopping) {
      // Killed by our own SIGTERM means it had not installed its handler yet: it was still
      // starting and held no write, so that is a clean stop, not a failure.
      exitCode = Math.max(exitCode, code ?? (signal === 'SIGTERM' ? 0 : 1));
      if (alive.size === 0) {
        logger.info({ exitCode }, 'every worker stopped');
        process.exit(exitCode);
      }
      return;
    }
    publish();
    if (code === EX_CONFIG) {
      // The same configuration would fail again in a new worker.
      logger.error(
        { pid: worker.process.pid },
        'a worker found the configuration invalid; stopping',
      );
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
    // New connections are refused from now on; open ones get `Connection: close` from their worker.
    void acceptor.close();
    // Each worker stops accepting, answers what it has in flight once Kafka acknowledged it, and disconnects.
    for (const worker of Object.values(cluster.workers ?? {}))
      if (worker && alive.has(worker.id)) worker.process.kill('SIGTERM');
    if (alive.size === 0) process.exit(exitCode);
    setTimeout(() => {
      logger.error('workers took too long to stop; killing them');
      for (const worker of Object.values(cluster.workers ?? {}))
        if (worker && alive.has(worker.id)) worker.process.kill('SIGKILL');
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
