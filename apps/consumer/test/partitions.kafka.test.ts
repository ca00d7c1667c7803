import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopicAsAdmin } from '../../../test/support/create-topic.js';
import { produce } from '../../../test/support/produce.js';
import { openStream } from '../../../test/support/sse-client.js';
import { buildConsumer, type TestConsumer } from './build-consumer.js';

const kafka = inject('kafka');

describe('a topic with three partitions', () => {
  const TOPIC = `partitions-${randomUUID()}`;
  let consumer: TestConsumer | undefined;

  beforeAll(async () => {
    await createTopicAsAdmin(kafka.adminBroker, {
      topic: `${kafka.topicPrefix}${TOPIC}`,
      numPartitions: 3,
    });
  });
  afterAll(async () => consumer?.close());

  it('resumes from an id that names every partition: no gap and no duplicate, live and across a consumer restart', async () => {
    consumer = await buildConsumer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
    const first = await openStream(`${consumer.url}/messages`);
    const batch1 = Array.from({ length: 30 }, (_, i) => `one-${i}`);
    await produce(kafka.bindingDir, TOPIC, batch1, { keyed: true });
    const seen1 = await first.waitForEvents(30);
    first.close();
    expect(new Set(seen1.map((e) => e.id?.split(',')[0]?.split(':')[0])).size).toBe(3);
    const resumeFrom = seen1.at(-1)?.id ?? '';
    expect(resumeFrom.split(',')).toHaveLength(3);

    // Live resume on the same process.
    const batch2 = Array.from({ length: 30 }, (_, i) => `two-${i}`);
    await produce(kafka.bindingDir, TOPIC, batch2, { keyed: true });
    const live = await openStream(`${consumer.url}/messages`, { 'Last-Event-ID': resumeFrom });
    const got2 = await live.waitForEvents(30);
    live.close();
    expect(got2.map((e) => e.data).sort()).toEqual([...batch2].sort());

    // A new process refills from Kafka in another order; the same id still resumes exactly.
    await consumer.close();
    const batch3 = Array.from({ length: 30 }, (_, i) => `three-${i}`);
    await produce(kafka.bindingDir, TOPIC, batch3, { keyed: true });
    consumer = await buildConsumer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
    const restarted = consumer;
    await expect.poll(() => restarted.hub.bufferedCount, { timeout: 15_000 }).toBe(90);
    const resumed = await openStream(`${restarted.url}/messages`, { 'Last-Event-ID': resumeFrom });
    // Markers in every partition after the records expected: a duplicate would arrive before them.
    const markers = Array.from({ length: 30 }, (_, i) => `marker-${i}`);
    await produce(kafka.bindingDir, TOPIC, markers, { keyed: true });
    const all = await resumed.waitForEvents(90);
    resumed.close();
    expect(
      new Set(all.filter((e) => e.data.startsWith('marker-')).map((e) => e.id?.split(':')[0])).size,
    ).toBe(3);
    expect(
      all
        .filter((e) => !e.data.startsWith('marker-'))
        .map((e) => e.data)
        .sort(),
    ).toEqual([...batch2, ...batch3].sort());
    expect(all.every((e) => e.event === 'message')).toBe(true);
  });
});
