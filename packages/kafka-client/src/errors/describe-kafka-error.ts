import { classifyKafkaError } from './classify-kafka-error.js';

/**
 * Turns a kafkajs error into a short reason a user can act on (see {@link classifyKafkaError}).
 * kafkajs messages name brokers and topics but never credentials; the reasons echo neither.
 */
export function describeKafkaError(error: unknown): string {
  return classifyKafkaError(error).reason;
}

/** Whether the error means the broker refused us (credentials or ACLs) rather than being away. */
export function isAccessError(error: unknown): boolean {
  return classifyKafkaError(error).access;
}
