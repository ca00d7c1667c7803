import type * as Kafkajs from 'kafkajs';
import { type KafkajsCodecTable, registerCodecs } from './codecs/register-codecs.js';
import { applyKafkajsFixes } from './fixes/kafkajs-fixes.js';
import { kafkajsRequire } from './fixes/kafkajs-version.js';

// The fixes swap modules that kafkajs binds as it loads, so they are applied here, in code, before
// kafkajs is required: no import order for anyone to keep. assertFixesApplied() checks the outcome.
applyKafkajsFixes();
const kafkajs = kafkajsRequire('kafkajs') as typeof Kafkajs;
// Here too, so every client of the process reads (and can write) snappy, lz4 and zstd.
registerCodecs(kafkajs.CompressionCodecs as KafkajsCodecTable);

// kafkajs is CommonJS: its exports are taken from the module once, here, so the rest of the code imports them by name.
export const {
  Kafka,
  logLevel,
  Partitioners,
  CompressionTypes,
  CompressionCodecs,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
} = kafkajs;
export type {
  Admin,
  AdminConfig,
  Consumer,
  ConsumerConfig,
  EachBatchPayload,
  ICustomPartitioner,
  ITopicConfig,
  KafkaConfig,
  KafkaMessage,
  Message,
  PartitionMetadata,
  Producer,
  ProducerConfig,
  RecordMetadata,
  RetryOptions,
  SASLOptions,
  logCreator,
} from 'kafkajs';
