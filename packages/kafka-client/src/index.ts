// kafkajs first: loading it applies the fixes (see kafkajs.ts), whatever the order below.
export * from './kafkajs.js';
export {
  assertFixesApplied,
  KafkajsFixesMissingError,
  type FixesLogger,
} from './fixes/assert-fixes-applied.js';
export {
  applyKafkajsFixes,
  KAFKAJS_FIXES,
  type KafkajsFix,
  type KafkajsFixKind,
} from './fixes/kafkajs-fixes.js';
export {
  onUndecodableBatch,
  type UndecodableBatch,
  type UndecodableBatchListener,
} from './fixes/undecodable-batches.js';
export {
  COMPRESSION_NAMES,
  compressionType,
  type CompressionName,
  type CompressionType,
} from './codecs/compression-names.js';
export { FIXED_KAFKAJS_VERSION, installedKafkajsVersion } from './fixes/kafkajs-version.js';
export {
  classifyKafkaError,
  kafkaErrorCause,
  type KafkaErrorClass,
  type KafkaErrorKind,
} from './errors/classify-kafka-error.js';
export { describeKafkaError, isAccessError } from './errors/describe-kafka-error.js';
export {
  ConnectionSupervisor,
  type SupervisorOptions,
} from './connection/connection-supervisor.js';
export { createKafka } from './connection/create-kafka.js';
export { ensureTopic } from './connection/ensure-topic.js';
export { kafkajsLogCreator } from './connection/kafkajs-logger.js';
export { reconnectOnBindingChange } from './connection/reconnect-on-binding-change.js';
export { STALLED_CODE, stallDetectingSocketFactory } from './connection/stall-detecting-socket.js';
export {
  consumerFailoverTuning,
  STREAM_REQUEST_TIMEOUT_MS,
} from './tuning/consumer-failover-tuning.js';
export {
  producerFailoverTuning,
  type ProducerFailoverTuning,
} from './tuning/producer-failover-tuning.js';
export {
  chosenPartition,
  firstChoicePartitioner,
  retryBatchUntilLatest,
  RetryTimeSpent,
  retryUntil,
  type RoutedMessage,
} from './routing/routed-message.js';
export { PartitionRouter } from './routing/partition-router.js';
export {
  TopicReader,
  type FetchedPartition,
  type PartitionOffsets,
  type TopicReaderOptions,
} from './reading/topic-reader.js';
