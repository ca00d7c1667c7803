/**
 * OpenTelemetry's messaging semantic-convention attribute names used by both apps (Kafka
 * flavour). They are still "development" in the conventions, so they are written here rather
 * than imported from the conventions package's unstable entry point, as its docs advise.
 */
export const MESSAGING = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destinationName: 'messaging.destination.name',
  partitionId: 'messaging.destination.partition.id',
  consumerGroup: 'messaging.consumer.group.name',
  bodySize: 'messaging.message.body.size',
  kafkaKey: 'messaging.kafka.message.key',
  kafkaOffset: 'messaging.kafka.offset',
  batchCount: 'messaging.batch.message_count',
} as const;

/** `messaging.system` for Kafka. */
export const KAFKA_SYSTEM = 'kafka';

/** The span attribute for an error's type (a stable convention). */
export const ERROR_TYPE = 'error.type';
