import { createMetrics } from '@demo-kafka/app-kit';
import { testLogger } from '../../../test/support/test-logger.js';
import { loadKafkaConfig } from '@demo-kafka/config';
import type { Express } from 'express';
import { createApp } from '../src/app.js';
import { KafkaRecordSink } from '../src/kafka/kafka-record-sink.js';
import { createProducerMetrics } from '../src/producer-metrics.js';
import { readProducerSettings } from '../src/settings.js';

/** The producer app wired to a real broker, as main.ts wires it, minus listening and signals. */
export interface TestProducer {
  readonly app: Express;
  readonly sink: KafkaRecordSink;
  readonly topic: string;
  close(): Promise<void>;
}

/** Builds the app from `env` (binding and settings); waits until Kafka is ready unless told not to. */
export async function buildProducer(env: Record<string, string>, waitReady = true): Promise<TestProducer> {
  const settings = readProducerSettings(env);
  const binding = loadKafkaConfig(env);
  const logger = testLogger('producer-test');
  const metrics = createMetrics({ collectProcessMetrics: false });
  const sink = new KafkaRecordSink({
    binding,
    logger,
    metrics: createProducerMetrics(metrics.registry),
    produceTimeoutMs: settings.PRODUCE_TIMEOUT_MS,
    batchMaxRecords: settings.BATCH_MAX_RECORDS,
    batchMaxBytes: settings.BATCH_MAX_BYTES,
  });
  sink.start();
  const app = createApp({ sink, logger, metrics, maxMessageBytes: settings.MAX_MESSAGE_BYTES, produceTimeoutMs: settings.PRODUCE_TIMEOUT_MS, token: settings.PRODUCER_TOKEN, corsOrigins: settings.CORS_ORIGINS });
  if (waitReady) await waitFor(() => sink.readiness().ready, 30_000, () => sink.readiness().reason ?? '');
  return { app, sink, topic: binding.topic, close: () => sink.close() };
}

/** Polls `condition` until it holds; fails with `describe()` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
