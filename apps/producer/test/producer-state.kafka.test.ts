import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from '../../../test/support/read-topic.js';
import { buildProducer, type TestProducer } from './build-producer.js';

const kafka = inject('kafka');
const require = createRequire(import.meta.url);

interface ProduceRequest {
  readonly topicData: ReadonlyArray<{ readonly partitions: Array<{ firstSequence?: number }> }>;
}
/** kafkajs' Broker, whose produce() takes the sequence numbers the producer chose. */
const Broker = require('kafkajs/src/broker/index.js') as {
  prototype: { produce(this: unknown, request: ProduceRequest): Promise<unknown> };
};

/**
 * The next produce request goes out with its sequence numbers ahead of the producer's, so the real
 * broker refuses it with OUT_OF_ORDER_SEQUENCE_NUMBER, as after a failover that left the producer
 * out of step with a partition.
 */
const { produce } = Broker.prototype;
function skipSequencesOnce(): void {
  Broker.prototype.produce = function skipped(
    this: unknown,
    request: ProduceRequest,
  ): Promise<unknown> {
    Broker.prototype.produce = produce;
    for (const topic of request.topicData)
      for (const partition of topic.partitions)
        partition.firstSequence = (partition.firstSequence ?? 0) + 5;
    return produce.call(this, request);
  };
}

describe('a producer whose sequence numbers the broker refuses', () => {
  let producer: TestProducer;
  const TOPIC = `producer-state-${randomUUID()}`;

  beforeAll(async () => {
    producer = await buildProducer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
  });
  afterAll(async () => {
    // kafkajs' module is shared by every test file of this worker: never leave the shift behind.
    Broker.prototype.produce = produce;
    await producer?.close();
  });

  it('fails only the refused batch, and writes the next POST at once with a new producer id', async () => {
    expect((await producer.api.post('/messages').type('text').send('before')).status).toBe(200);
    skipSequencesOnce();
    const refused = await producer.api.post('/messages').type('text').send('refused');
    expect(refused.status).toBe(503);
    expect(refused.body.detail).toMatch(/sequence numbers/);
    // Not refused as "not ready" until a probe passes: Kafka itself is fine.
    const after = await producer.api.post('/messages').type('text').send('after');
    expect(after.status).toBe(200);
    expect(producer.sink.readiness().ready).toBe(true);
    const records = await readTopic(kafka.bindingDir, producer.topic, 2);
    expect(records.map((r) => r.value?.toString('utf8')).sort()).toEqual(['after', 'before']);
  });
});
