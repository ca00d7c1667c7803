import type { LocalKafkaCluster } from '@demo-kafka/local-kafka';
import { Kafka, logLevel } from '@demo-kafka/kafka-client';

/** Partition → leader node, through the super-user listeners of the running brokers but `except`. */
export async function leadersOf(
  cluster: LocalKafkaCluster,
  topic: string,
  except?: number,
): Promise<Record<number, number>> {
  const brokers = cluster.nodes
    .filter((n) => n.running && !n.frozen && n.id !== except)
    .map((n) => n.adminBroker);
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return Object.fromEntries((topics[0]?.partitions ?? []).map((p) => [p.partitionId, p.leader]));
  } finally {
    await admin.disconnect();
  }
}
