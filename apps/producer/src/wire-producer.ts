import { createMetrics, type Logger } from '@demo-kafka/app-kit';
import { reconnectOnBindingChange } from '@demo-kafka/kafka-client';
import type { KafkaBinding } from '@demo-kafka/config';
import type { Express } from 'express';
import { createApp } from './app.js';
import { OpenBatches } from './batch/open-batches.js';
import { joinCluster } from './cluster/worker-link.js';
import { KafkaRecordSink } from './kafka/kafka-record-sink.js';
import { KafkaClaimsLog } from './kafka/kafka-claims-log.js';
import { IdempotentWrites } from './idempotency/idempotent-writes.js';
import { createProducerMetrics } from './producer-metrics.js';
import type { WriteAccess } from './http/write-guard.js';
import type { ProducerSettings } from './settings.js';
import { TracedRecordSink } from './tracing/traced-record-sink.js';

/** The producer's parts, connected to each other but not yet to Kafka or a port. */
export interface ProducerParts {
  readonly app: Express;
  readonly sink: KafkaRecordSink;
  /** Starts connecting to Kafka in the background and watching the binding for rotation. */
  start(): void;
  /** Ends the streamed batches still being read: each answers what it read and closes. */
  endBatches(): void;
  /** Stops watching, finishes in-flight writes and disconnects. */
  stop(): Promise<void>;
}

/** Builds the producer from its settings and binding, as main.ts and the tests use it. */
export function wireProducer(
  settings: ProducerSettings,
  binding: KafkaBinding,
  logger: Logger,
  options: {
    processMetrics?: boolean;
    clustered?: boolean;
    traced?: boolean;
    /** Who may post, from which origins (see writeAccessOf); absent: anyone, from CORS_ORIGINS. */
    access?: WriteAccess | undefined;
  } = {},
): ProducerParts {
  const metrics = createMetrics({ collectProcessMetrics: options.processMetrics ?? true });
  const sink = new KafkaRecordSink({
    binding,
    logger,
    metrics: createProducerMetrics(metrics.registry),
    produceTimeoutMs: settings.PRODUCE_TIMEOUT_MS,
    batchMaxRecords: settings.BATCH_MAX_RECORDS,
    batchMaxBytes: settings.BATCH_MAX_BYTES,
    compression: settings.KAFKA_COMPRESSION,
  });
  // A worker of several (node:cluster): readiness and metrics are those of the whole, via the primary.
  const clusterView = options.clustered
    ? joinCluster(metrics.registry, () => sink.readiness())
    : undefined;
  const openBatches = new OpenBatches();
  // Traced only when tracing is on: otherwise no span code runs per request.
  const routeSink = options.traced ? new TracedRecordSink(sink, () => sink.topic) : sink;
  const claims =
    settings.IDEMPOTENCY_WINDOW > 0
      ? new KafkaClaimsLog({
          binding,
          logger,
          windowMs: settings.IDEMPOTENCY_WINDOW * 60_000,
          produceTimeoutMs: settings.PRODUCE_TIMEOUT_MS,
        })
      : undefined;
  const app = createApp({
    sink: routeSink,
    ...(claims
      ? { idempotent: new IdempotentWrites(routeSink, claims, logger, settings.PRODUCE_TIMEOUT_MS) }
      : {}),
    ...(clusterView ? { cluster: clusterView } : {}),
    logger,
    metrics,
    maxMessageBytes: settings.MAX_MESSAGE_BYTES,
    recordHeaderLimits: {
      maxCount: settings.MAX_RECORD_HEADERS,
      maxBytes: settings.MAX_RECORD_HEADER_BYTES,
      addsTraceparent: options.traced === true,
    },
    produceTimeoutMs: settings.PRODUCE_TIMEOUT_MS,
    ...(options.access?.guard ? { guard: options.access.guard } : {}),
    corsOrigins: options.access?.corsOrigins ?? settings.CORS_ORIGINS,
    // Each worker counts the POSTs it serves. The primary gives one worker every connection until
    // it holds many (fill-first.ts), so a client's connections are on one worker unless the port
    // is busy; a share of the limit per worker would cut such a client to that share.
    postsPerSecond: settings.MAX_CLIENT_POSTS_PER_SECOND,
    batchIdleTimeoutMs: settings.BATCH_IDLE_TIMEOUT_MS,
    openBatches,
  });
  let watch: { close(): void } | undefined;
  return {
    app,
    sink,
    start: () => {
      sink.start();
      watch = reconnectOnBindingChange(binding, logger, async (next) => {
        await Promise.all([sink.reconnect(next), claims?.reconnect(next)]);
      });
    },
    endBatches: () => openBatches.endAll(),
    stop: async () => {
      watch?.close();
      await sink.close();
      await claims?.close();
      clusterView?.close();
    },
  };
}
