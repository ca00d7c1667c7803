import kafkajs from 'kafkajs';

// kafkajs is CommonJS and Node's ESM loader cannot see its named exports: take them from the
// default export once, here, so the rest of the code imports them by name.
export const { Kafka, logLevel, Partitioners, CompressionTypes } = kafkajs;
export type { Admin, AdminConfig, Consumer, EachBatchPayload, KafkaConfig, KafkaMessage, Message, Producer, ProducerConfig, RecordMetadata, RetryOptions } from 'kafkajs';
