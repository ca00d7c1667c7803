import { Kafka, logLevel, type ITopicConfig } from '@demo-kafka/kafka-client';

/**
 * Creates a topic through the broker's super-user listener (the binding's user could only make
 * a default one): for tests that need several partitions or a topic-level setting.
 */
export async function createTopicAsAdmin(
  adminBroker: string,
  topic: ITopicConfig,
  waitForLeaders = true,
): Promise<void> {
  const admin = new Kafka({ brokers: [adminBroker], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [topic], waitForLeaders });
  } finally {
    await admin.disconnect();
  }
}
