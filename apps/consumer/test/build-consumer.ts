import { createServer, type Server } from 'node:http';
import { applyServerTimeouts, createMetrics } from '@demo-kafka/app-kit';
import { testLogger } from '../../../test/support/test-logger.js';
import { loadKafkaConfig } from '@demo-kafka/config';
import { randomUUID } from 'node:crypto';
import { createApp } from '../src/app.js';
import { createConsumerMetrics } from '../src/consumer-metrics.js';
import { KafkaRecordSource } from '../src/kafka/kafka-record-source.js';
import { readConsumerSettings } from '../src/settings.js';
import { StreamHub } from '../src/stream/stream-hub.js';

/** The consumer wired to a real broker as main.ts wires it, listening on a free port. */
export interface TestConsumer {
  readonly url: string;
  readonly hub: StreamHub;
  readonly source: KafkaRecordSource;
  readonly server: Server;
  close(): Promise<void>;
}

/** Builds and starts the consumer from `env`; waits until Kafka is ready unless told not to. */
export async function buildConsumer(env: Record<string, string>, waitReady = true): Promise<TestConsumer> {
  const settings = readConsumerSettings({ CONSUMER_INSTANCE: `test-${randomUUID()}`, ...env });
  const binding = loadKafkaConfig(env);
  const logger = testLogger('consumer-test');
  const metrics = createMetrics({ collectProcessMetrics: false });
  const consumerMetrics = createConsumerMetrics(metrics.registry);
  const hub = new StreamHub({
    replaySize: settings.REPLAY_SIZE,
    maxClients: settings.MAX_CLIENTS,
    maxClientBufferBytes: settings.MAX_CLIENT_BUFFER_BYTES,
    keepAliveMs: settings.KEEPALIVE_MS,
    retryMs: settings.RETRY_MS,
    metrics: consumerMetrics,
    logger,
  });
  const source = new KafkaRecordSource({
    binding,
    instanceId: settings.CONSUMER_INSTANCE,
    replaySize: settings.REPLAY_SIZE,
    logger,
    onRecords: (records) => hub.publish(records),
    onStart: (partition, offset) => hub.buffer.startsAt(partition, offset),
    nextOffset: (partition) => {
      const head = hub.buffer.head.get(partition);
      return head === undefined ? undefined : head + 1n;
    },
  });
  source.start();
  const app = createApp({
    hub,
    readiness: () => source.readiness(),
    logger,
    metrics,
    consumerMetrics,
    corsOrigins: settings.CORS_ORIGINS,
    page: { producerUrl: settings.PRODUCER_URL },
  });
  const server = createServer(app);
  applyServerTimeouts(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  if (waitReady) {
    const deadline = Date.now() + 30_000;
    while (!source.readiness().ready) {
      if (Date.now() > deadline) throw new Error(`consumer not ready: ${source.readiness().reason}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    hub,
    source,
    server,
    close: async () => {
      hub.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await source.close();
    },
  };
}
