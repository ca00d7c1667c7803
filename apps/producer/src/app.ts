import {
  API_DOCUMENT_PATHS,
  HEALTH_PATHS,
  HttpProblem,
  cors,
  healthRoutes,
  jsonDocumentRoute,
  notFound,
  problemHandler,
  requestLogging,
  type AppMetrics,
  type Guard,
  type Logger,
} from '@demo-kafka/app-kit';
import express, { type Express } from 'express';
import { KEY_HEADER } from './http/messages-parameters.js';
import { messagesRoute } from './http/messages-route.js';
import { producerOpenApi } from './http/producer-openapi.js';
import { ClusterMetricsUnavailable, type ClusterView } from './cluster/worker-link.js';
import type { RecordSink } from './kafka/record-sink.js';
import {
  DEFAULT_RECORD_HEADER_LIMITS,
  type RecordHeaderLimits,
} from './headers/record-header-limits.js';
import { CORS_REQUEST_HEADERS } from './headers/request-record-headers.js';
import { OpenBatches } from './batch/open-batches.js';
import type { IdempotentWrites } from './idempotency/idempotent-writes.js';

export interface ProducerAppDeps {
  readonly sink: RecordSink;
  readonly logger: Logger;
  readonly metrics: AppMetrics;
  readonly maxMessageBytes: number;
  /** Default: {@link DEFAULT_RECORD_HEADER_LIMITS}. */
  readonly recordHeaderLimits?: RecordHeaderLimits;
  readonly produceTimeoutMs: number;
  /** Who may post: a shared token or access tokens (absent: anyone). */
  readonly guard?: Guard;
  /** POSTs a second one client may make in this process (zero or absent: no limit). */
  readonly postsPerSecond?: number;
  /** Origins allowed to post from a browser (`*` or a comma-separated list). */
  readonly corsOrigins: string;
  /** Set in a worker of several: readiness and metrics then speak for every worker. */
  readonly cluster?: Pick<ClusterView, 'readiness' | 'metrics'>;
  /** A streamed batch whose body sends nothing for this long is ended (default 30 s). */
  readonly batchIdleTimeoutMs?: number;
  /** Where open batches are kept, for a shutdown to end them (default: a set of this app's own). */
  readonly openBatches?: OpenBatches;
  /** Writes under an `Idempotency-Key` (absent: the header is ignored). */
  readonly idempotent?: IdempotentWrites;
}

/** Builds the producer's HTTP app from its collaborators; nothing here connects or listens. */
export function createApp(deps: ProducerAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(deps.metrics.middleware);
  // Thousands of POSTs a second: a line each only at debug; errors are still logged at warn/error.
  app.use(requestLogging(deps.logger, { successLevel: 'debug' }));
  app.use(
    cors(deps.corsOrigins, [
      'Content-Type',
      'Authorization',
      KEY_HEADER,
      'Idempotency-Key',
      ...CORS_REQUEST_HEADERS,
    ]),
  );
  // The hot route first, so a POST does not walk the other routers.
  app.use(
    messagesRoute({
      sink: deps.sink,
      maxMessageBytes: deps.maxMessageBytes,
      recordHeaderLimits: deps.recordHeaderLimits ?? DEFAULT_RECORD_HEADER_LIMITS,
      guard: deps.guard?.handler,
      postsPerSecond: deps.postsPerSecond ?? 0,
      produceTimeoutMs: deps.produceTimeoutMs,
      batchIdleTimeoutMs: deps.batchIdleTimeoutMs ?? 30_000,
      openBatches: deps.openBatches ?? new OpenBatches(),
      idempotent: deps.idempotent,
    }),
  );
  const { cluster } = deps;
  app.use(healthRoutes(cluster ? () => cluster.readiness() : () => deps.sink.readiness()));
  if (cluster) {
    app.get(HEALTH_PATHS.metrics, async (_req, res) => {
      let answer: Awaited<ReturnType<typeof cluster.metrics>>;
      try {
        answer = await cluster.metrics();
      } catch (error) {
        // A scrape during a worker's restart: Prometheus retries at the next interval.
        if (error instanceof ClusterMetricsUnavailable)
          throw new HttpProblem(503, 'Service Unavailable', error.message, { 'Retry-After': '5' });
        throw error;
      }
      res.type(answer.contentType).send(answer.text);
    });
  }
  app.use(deps.metrics.router);
  app.use(
    jsonDocumentRoute(
      API_DOCUMENT_PATHS.openapi,
      producerOpenApi({
        maxMessageBytes: deps.maxMessageBytes,
        recordHeaderLimits: deps.recordHeaderLimits ?? DEFAULT_RECORD_HEADER_LIMITS,
        guard: deps.guard,
        rateLimited: (deps.postsPerSecond ?? 0) > 0,
        idempotencyWindowMinutes: deps.idempotent?.windowMinutes ?? 0,
        clustered: cluster !== undefined,
      }),
    ),
  );
  app.use(notFound());
  app.use(problemHandler(deps.logger));
  return app;
}
