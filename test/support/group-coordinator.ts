import { Kafka, logLevel } from '@demo-kafka/kafka-client';

/** Java's String.hashCode, as Kafka uses it to place a group's offsets (UTF-16 code units, 32-bit wrap). */
function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The node that coordinates `groupId`: the leader of the `__consumer_offsets` partition Kafka
 * assigns the group to (Utils.abs(groupId.hashCode()) % partitions), read through the
 * super-user listener, which a cut of the client ports leaves reachable.
 */
export async function groupCoordinatorOf(adminBroker: string, groupId: string): Promise<number> {
  const admin = new Kafka({ brokers: [adminBroker], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
    const partitions = topics[0]?.partitions ?? [];
    const hash = javaStringHash(groupId);
    const index = (hash === -2147483648 ? 0 : Math.abs(hash)) % partitions.length;
    const leader = partitions.find((p) => p.partitionId === index)?.leader;
    if (leader === undefined || leader < 0)
      throw new Error(`__consumer_offsets partition ${index} has no leader`);
    return leader;
  } finally {
    await admin.disconnect();
  }
}
