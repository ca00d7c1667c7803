/**
 * Turns a kafkajs error into a short reason a user can act on. kafkajs messages name brokers
 * and topics but never credentials; the mapping still avoids echoing anything else verbatim.
 */
export function describeKafkaError(error: unknown): string {
  // kafkajs wraps per-topic failures (createTopics) in an aggregate: its first cause says more.
  if (typeof error === 'object' && error !== null && 'errors' in error && Array.isArray(error.errors) && error.errors.length > 0) {
    return describeKafkaError(error.errors[0]);
  }
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const type = typeof error === 'object' && error !== null && 'type' in error ? String(error.type) : '';
  if (/SASL|authentication/i.test(message) || name === 'KafkaJSSASLAuthenticationError') {
    return 'Kafka rejected the credentials (authentication failed): check the binding username and password';
  }
  if (type === 'TOPIC_AUTHORIZATION_FAILED' || /not authorized to access topics/i.test(message)) {
    return 'Kafka refused access to the topic: its name must start with the binding topicPrefix';
  }
  if (type === 'GROUP_AUTHORIZATION_FAILED' || /not authorized to access group/i.test(message)) {
    return 'Kafka refused access to the consumer group: its name must start with the binding topicPrefix';
  }
  if (/certificate|self[- ]signed|SSL|TLS/i.test(message)) {
    return `TLS with the broker failed (${message.slice(0, 200)}): check the binding ca`;
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|Connection (timeout|error)|Closed connection|disconnected|connect/i.test(message) || name === 'KafkaJSConnectionError' || name === 'KafkaJSNumberOfRetriesExceeded') {
    return 'Kafka is not reachable';
  }
  if (name === 'KafkaJSRequestTimeoutError' || /timed? ?out/i.test(message)) return 'Kafka did not answer in time';
  return `Kafka error: ${message.slice(0, 200)}`;
}

/** Whether the error means the broker refused us (credentials or ACLs) rather than being away. */
export function isAccessError(error: unknown): boolean {
  const reason = describeKafkaError(error);
  return reason.includes('rejected the credentials') || reason.includes('refused access');
}
