import type { Readiness } from '@demo-kafka/app-kit';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { isClusterMessage, sendToPrimary } from './messages.js';

const REPORT_EVERY_MS = 250;
/**
 * Longer than prom-client's own 5 s for gathering every worker's figures, so its answer (or
 * failure) is what we get.
 */
const METRICS_TIMEOUT_MS = 6_000;

/** The whole's metrics could not be gathered now (a worker starting or stuck, or the primary gone): worth a retry. */
export class ClusterMetricsUnavailable extends Error {
  override readonly name = 'ClusterMetricsUnavailable';
}

/** A worker's view of the whole: readiness and metrics of every worker, through the primary. */
export interface ClusterView {
  /** Ready when every worker is; this worker's own reason first when it is not. */
  readiness(): Readiness;
  /** The Prometheus text of all workers together. */
  metrics(): Promise<{ text: string; contentType: string }>;
  close(): void;
}

/**
 * Joins this worker to its primary: reports its own readiness whenever it changes, answers the
 * primary's metrics requests with `registry`, and asks the primary for the aggregated figures.
 */
export function joinCluster(registry: Registry, ownReadiness: () => Readiness): ClusterView {
  // prom-client's cluster support answers the primary's requests from these registries; making
  // an AggregatorRegistry is what installs its listener in a worker.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  let whole: Readiness = { ready: false, reason: 'waiting for the other workers' };
  let last = '';
  const report = (): void => {
    const own = ownReadiness();
    const text = JSON.stringify(own);
    if (text !== last) sendToPrimary({ type: 'producer:readiness', state: own });
    last = text;
  };
  const pending = new Map<
    number,
    (answer: { text: string; contentType: string } | ClusterMetricsUnavailable) => void
  >();
  let nextId = 0;
  const onMessage = (message: unknown): void => {
    if (!isClusterMessage(message)) return;
    if (message.type === 'producer:readiness') whole = message.state;
    if (message.type === 'producer:metrics')
      pending.get(message.id)?.({ text: message.text, contentType: message.contentType });
    if (message.type === 'producer:metrics-failed')
      pending.get(message.id)?.(
        new ClusterMetricsUnavailable(
          `the workers' metrics could not be gathered: ${message.reason}`,
        ),
      );
  };
  process.on('message', onMessage);
  report();
  const timer = setInterval(report, REPORT_EVERY_MS);
  timer.unref();
  return {
    readiness: () => {
      const own = ownReadiness();
      return own.ready ? whole : own;
    },
    metrics: () =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        const timeout = setTimeout(() => {
          pending.delete(id);
          reject(new ClusterMetricsUnavailable('the primary did not answer with the metrics'));
        }, METRICS_TIMEOUT_MS);
        pending.set(id, (answer) => {
          clearTimeout(timeout);
          pending.delete(id);
          if (answer instanceof ClusterMetricsUnavailable) reject(answer);
          else resolve(answer);
        });
        sendToPrimary({ type: 'producer:metrics-request', id });
      }),
    close: () => {
      clearInterval(timer);
      process.off('message', onMessage);
    },
  };
}
