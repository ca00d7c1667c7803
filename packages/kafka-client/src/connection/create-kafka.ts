import type { KafkaBinding } from '@demo-kafka/config';
import type { Logger } from '@demo-kafka/app-kit';
import { Kafka, type KafkaConfig } from '../kafkajs.js';
import { kafkaSocketFactory } from './kafka-socket.js';
import { kafkajsLogCreator } from './kafkajs-logger.js';

/** A kafkajs client for `binding`, logging through pino, failing fast enough for a supervisor to retry. */
export function createKafka(
  binding: KafkaBinding,
  logger: Logger,
  overrides: Partial<KafkaConfig> = {},
): InstanceType<typeof Kafka> {
  return new Kafka(
    binding.kafkaConfig({
      logCreator: kafkajsLogCreator(logger.child({ component: 'kafkajs' })),
      connectionTimeout: 5_000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
      socketFactory: kafkaSocketFactory,
      ...overrides,
    }),
  );
}
