import { randomUUID } from 'node:crypto';
import { loadKafkaBinding } from '@demo-kafka/config';
import { expect, inject, it } from 'vitest';
// The package's kafkajs entry applies the fix when it is first imported.
import { Kafka, logLevel } from '../src/index.js';

const kafka = inject('kafka');

it('a connected kafkajs producer does not wake its process every millisecond while idle', async () => {
  const binding = loadKafkaBinding(
    { KAFKA_BINDING_DIR: kafka.bindingDir },
    { topic: `idle-${randomUUID()}`, groupId: 'test-unused', clientId: 'test-idle' },
  );
  const producer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING })).producer({
    allowAutoTopicCreation: true,
  });
  await producer.connect();
  try {
    await producer.send({ topic: binding.topic, acks: -1, messages: [{ value: 'x' }] });
    // Count the timers kafkajs' request queues arm over a quiet 300 ms: without the fix, about one per ms.
    const realSetTimeout = globalThis.setTimeout;
    let armed = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      if (new Error().stack?.includes('requestQueue')) armed += 1;
      return realSetTimeout(...args);
    }) as typeof setTimeout;
    try {
      await new Promise((resolve) => realSetTimeout(resolve, 300));
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    expect(armed).toBeLessThan(5);
  } finally {
    await producer.disconnect();
  }
});
