import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadKafkaBinding } from '@demo-kafka/config';
import { expect, inject, it } from 'vitest';
// The package's kafkajs entry applies the fixes when it is first imported.
import { Kafka, logLevel } from '../src/index.js';

const kafka = inject('kafka');
const require = createRequire(import.meta.url);
const BrokerPool = require('kafkajs/src/cluster/brokerPool.js') as {
  prototype: { refreshMetadata(topics: string[]): Promise<void> };
};

it("kafkajs asks the broker for Metadata version 7 and keeps each partition's leader epoch", async () => {
  const binding = loadKafkaBinding(
    { KAFKA_BINDING_DIR: kafka.bindingDir },
    { topic: `epochs-${randomUUID()}`, groupId: 'test-unused', clientId: 'test-epochs' },
  );
  const client = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING }));
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: binding.topic, numPartitions: 2 }],
    });
    // What BrokerPool holds after a refresh: the decoded response, through the patched accessor.
    let held: unknown;
    const { refreshMetadata } = BrokerPool.prototype;
    BrokerPool.prototype.refreshMetadata = async function (this: { metadata: unknown }, topics) {
      await refreshMetadata.call(this, topics);
      held = this.metadata;
    };
    try {
      await admin.fetchTopicMetadata({ topics: [binding.topic] });
    } finally {
      BrokerPool.prototype.refreshMetadata = refreshMetadata;
    }
    const topic = (
      held as { topicMetadata: { topic: string; partitionMetadata: { leaderEpoch?: number }[] }[] }
    ).topicMetadata.find((t) => t.topic === binding.topic);
    expect(topic?.partitionMetadata).toHaveLength(2);
    for (const partition of topic?.partitionMetadata ?? [])
      expect(partition.leaderEpoch).toBeGreaterThanOrEqual(0);
  } finally {
    await admin.disconnect();
  }
});
