// First: they must run before kafkajs loads (see the files).
import './record-encoder-fix.js';
import './group-messages-fix.js';
import './send-messages-fix.js';
import kafkajs from 'kafkajs';
import { fixConnectionBufferOnReconnect } from './connection-buffer-fix.js';
import { fixRequestQueueTimerLoop } from './request-queue-timer-fix.js';

// Before any client exists: every connection of this process then gets the fixes (see their files).
fixRequestQueueTimerLoop();
fixConnectionBufferOnReconnect();

// kafkajs is CommonJS and Node's ESM loader cannot see its named exports: take them from the
// default export once, here, so the rest of the code imports them by name.
export const { Kafka, logLevel, Partitioners, CompressionTypes } = kafkajs;
export type { Admin, AdminConfig, Consumer, ConsumerConfig, EachBatchPayload, KafkaConfig, KafkaMessage, Message, Producer, ProducerConfig, RecordMetadata, RetryOptions } from 'kafkajs';
