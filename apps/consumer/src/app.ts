import {
  API_DOCUMENT_PATHS,
  cors,
  healthRoutes,
  jsonDocumentRoute,
  notFound,
  problemHandler,
  requestId,
  requestLogging,
  type AppMetrics,
  type Guard,
  type Logger,
  type Readiness,
} from '@demo-kafka/app-kit';
import express, { type Express } from 'express';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { consumerAsyncApi } from './http/consumer-asyncapi.js';
import { consumerOpenApi } from './http/consumer-openapi.js';
import { messagesStreamRoute } from './http/messages-stream-route.js';
import { pageRoute, type PageConfig } from './http/page-route.js';
import type { StreamHub } from './stream/stream-hub.js';

export interface ConsumerAppDeps {
  readonly hub: StreamHub;
  readonly readiness: () => Readiness;
  readonly logger: Logger;
  readonly metrics: AppMetrics;
  readonly consumerMetrics: ConsumerMetrics;
  readonly corsOrigins: string;
  /** Who may read the stream (absent: anyone). */
  readonly guard?: Guard;
  /** Streams one client may hold (zero or absent: no limit). */
  readonly maxClientStreams?: number;
  readonly page: PageConfig;
  /** The topic read (`topicPrefix + TOPIC`), named in the AsyncAPI document. */
  readonly topic: string;
}

/** Builds the consumer's HTTP app from its collaborators; nothing here connects or listens. */
export function createApp(deps: ConsumerAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Every request is counted and gets an id; the stream is mounted before request logging (a
  // connect is most of what this app serves, and a stream lives until the client leaves): it logs
  // its own open and close. Errors still reach the problem handler, which logs them.
  app.use(deps.metrics.middleware);
  app.use(requestId(deps.logger));
  app.use(cors(deps.corsOrigins, ['Last-Event-ID', 'Cache-Control', 'Authorization']));
  app.use(
    messagesStreamRoute(deps.hub, deps.consumerMetrics, {
      guard: deps.guard?.handler,
      maxClientStreams: deps.maxClientStreams ?? 0,
    }),
  );
  app.use(requestLogging(deps.logger));
  app.use(healthRoutes(deps.readiness));
  app.use(deps.metrics.router);
  app.use(jsonDocumentRoute(API_DOCUMENT_PATHS.openapi, consumerOpenApi({ guard: deps.guard })));
  app.use(
    jsonDocumentRoute(
      API_DOCUMENT_PATHS.asyncapi,
      consumerAsyncApi({ topic: deps.topic, guard: deps.guard }),
    ),
  );
  app.use(pageRoute(deps.page, { auth: deps.guard !== undefined }));
  app.use(notFound());
  app.use(problemHandler(deps.logger));
  return app;
}
