import { loadKafkaBinding } from '@demo-kafka/config';
import { Kafka, logLevel, type KafkaMessage } from '@demo-kafka/kafka-client';
import { randomUUID } from 'node:crypto';

/** A record as read back from Kafka. */
export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  /** As kafkajs decodes them: a repeated name gives an array, in order. */
  readonly headers: KafkaMessage['headers'];
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until `count` records arrived,
 * or `until` holds, using a client built from the binding directory alone; rejects after `timeoutMs`.
 */
export async function readTopic(
  bindingDir: string,
  topic: string,
  until: number | ((records: readonly ReadRecord[]) => boolean),
  timeoutMs = 20_000,
): Promise<ReadRecord[]> {
  const done =
    typeof until === 'number' ? (records: readonly ReadRecord[]) => records.length >= until : until;
  const binding = loadKafkaBinding(
    { KAFKA_BINDING_DIR: bindingDir },
    { topic: 'default', groupId: `reader-${randomUUID()}`, clientId: 'test-read-topic' },
  );
  const consumer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING })).consumer({
    groupId: binding.groupId,
  });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `read ${records.length} records of ${topic} in ${timeoutMs} ms, not what the test waits for`,
            ),
          ),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({
          partition,
          message,
        }: {
          partition: number;
          message: KafkaMessage;
        }) => {
          records.push({
            partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            timestamp: message.timestamp,
            headers: message.headers,
          });
          if (done(records)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
