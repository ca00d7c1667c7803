import type { Admin } from '../kafkajs.js';

/**
 * Creates the topic if it is missing (the hosted plan lets a user create topics under its
 * prefix, as the original apps relied on), then fetches its metadata, which fails when the
 * user may not use it. Returns the partition count.
 */
export async function ensureTopic(admin: Admin, topic: string): Promise<number> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0]?.partitions.length ?? 0;
}
