import { createLogger, createMetrics } from '@demo-kafka/app-kit';
import { createApp, type ProducerAppDeps } from '../src/app.js';
import type { RecordSink } from '../src/kafka/record-sink.js';

/** A sink for tests whose requests never reach Kafka: any write fails. */
export const UNUSED_SINK: RecordSink = {
  write: () => Promise.reject(new Error('not used')),
  writeAll: () => Promise.reject(new Error('not used')),
  readiness: () => ({ ready: true }),
};

/** The producer's app over `sink`, silent, with small limits; `overrides` for the rest. */
export function appWithSink(sink: RecordSink, overrides: Partial<ProducerAppDeps> = {}) {
  return createApp({
    sink,
    logger: createLogger('test', 'silent'),
    metrics: createMetrics({ collectProcessMetrics: false }),
    maxMessageBytes: 1024,
    produceTimeoutMs: 1000,
    corsOrigins: '',
    ...overrides,
  });
}
