import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { loadKafkaBinding, resourceNames } from '@demo-kafka/config';
import type { Logger } from '@demo-kafka/app-kit';
import type { KafkaRecordSource } from '../src/kafka/kafka-record-source.js';
import { readAccessOf } from '../src/http/read-guard.js';
import { readConsumerSettings } from '../src/settings.js';
import type { StreamHub } from '../src/stream/stream-hub.js';
import { wireConsumer } from '../src/wire-consumer.js';
import { testLogger } from '../../../test/support/test-logger.js';
import { listen } from '../../../test/support/listen.js';
import { waitFor } from '../../../test/support/wait-for.js';

/** The consumer wired to a real broker as main.ts wires it, listening on a free port. */
export interface TestConsumer {
  readonly url: string;
  readonly hub: StreamHub;
  readonly source: KafkaRecordSource;
  readonly server: Server;
  close(): Promise<void>;
}

/** Builds and starts the consumer from `env`; waits until Kafka is ready unless told not to. */
export async function buildConsumer(
  env: Record<string, string>,
  waitReady = true,
  logger?: Logger,
): Promise<TestConsumer> {
  const settings = readConsumerSettings({ CONSUMER_INSTANCE: `test-${randomUUID()}`, ...env });
  const consumer = wireConsumer(
    settings,
    loadKafkaBinding(env, resourceNames(settings)),
    logger ?? testLogger('consumer-test'),
    { processMetrics: false, access: readAccessOf(settings) },
  );
  consumer.start();
  const { server, url, close } = await listen(consumer.app);
  if (waitReady)
    await waitFor(
      () => consumer.source.readiness().ready,
      30_000,
      () => consumer.source.readiness().reason ?? '',
    );
  return {
    url,
    hub: consumer.hub,
    source: consumer.source,
    server,
    close: async () => {
      consumer.endStreams();
      await close();
      await consumer.stop();
    },
  };
}
