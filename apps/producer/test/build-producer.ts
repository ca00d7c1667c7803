import { loadKafkaBinding, resourceNames } from '@demo-kafka/config';
import type { Logger } from '@demo-kafka/app-kit';
import type { Express } from 'express';
import type { KafkaRecordSink } from '../src/kafka/kafka-record-sink.js';
import { readProducerSettings } from '../src/settings.js';
import { writeAccessOf } from '../src/http/write-guard.js';
import { wireProducer } from '../src/wire-producer.js';
import { contractRequest, type ContractRequest } from '../../../test/support/contract-request.js';
import { testLogger } from '../../../test/support/test-logger.js';
import { waitFor } from '../../../test/support/wait-for.js';

/** The producer app wired to a real broker, as main.ts wires it, minus listening and signals. */
export interface TestProducer {
  readonly app: Express;
  /** supertest on `app`, every answer held to the app's own OpenAPI document. */
  readonly api: ContractRequest;
  readonly sink: KafkaRecordSink;
  readonly topic: string;
  close(): Promise<void>;
}

/** Builds the app from `env` (binding and settings); waits until Kafka is ready unless told not to. */
export async function buildProducer(
  env: Record<string, string>,
  waitReady = true,
  logger?: Logger,
): Promise<TestProducer> {
  const settings = readProducerSettings(env);
  const binding = loadKafkaBinding(env, resourceNames(settings));
  const producer = wireProducer(settings, binding, logger ?? testLogger('producer-test'), {
    processMetrics: false,
    access: writeAccessOf(settings),
  });
  producer.start();
  if (waitReady)
    await waitFor(
      () => producer.sink.readiness().ready,
      30_000,
      () => producer.sink.readiness().reason ?? '',
    );
  return {
    app: producer.app,
    api: await contractRequest(producer.app),
    sink: producer.sink,
    topic: binding.topic,
    close: () => producer.stop(),
  };
}
