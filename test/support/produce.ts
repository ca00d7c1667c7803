import { Kafka, logLevel } from '@demo-kafka/kafka-client';
import { loadKafkaBinding } from '@demo-kafka/config';

/**
 * Writes `values` to the binding's topic (`topicPrefix + topic`) with a client built from the
 * binding; `keyed` uses each value as its own key, so records spread over the partitions.
 */
export async function produce(
  bindingDir: string,
  topic: string,
  values: readonly string[],
  options: { keyed?: boolean } = {},
): Promise<void> {
  const binding = loadKafkaBinding(
    { KAFKA_BINDING_DIR: bindingDir },
    { topic, groupId: 'test-unused', clientId: 'test-produce' },
  );
  const producer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING })).producer({
    allowAutoTopicCreation: true,
  });
  await producer.connect();
  try {
    await producer.send({
      topic: binding.topic,
      acks: -1,
      messages: values.map((value) => (options.keyed ? { key: value, value } : { value })),
    });
  } finally {
    await producer.disconnect();
  }
}
