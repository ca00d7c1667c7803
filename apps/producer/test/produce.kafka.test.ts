import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopicAsAdmin } from '../../../test/support/create-topic.js';
import { readTopic } from '../../../test/support/read-topic.js';
import { buildProducer, type TestProducer } from './build-producer.js';

const kafka = inject('kafka');

describe('POST /messages through a real broker', () => {
  let producer: TestProducer;
  // A topic of its own (under the prefix), so reading it back from the start sees only this file's records.
  const TOPIC = `produce-${randomUUID()}`;

  beforeAll(async () => {
    producer = await buildProducer({
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      MAX_MESSAGE_BYTES: '4096',
    });
  });
  afterAll(async () => producer?.close());

  it('writes the walkthrough posts byte for byte and echoes them as text', async () => {
    const form = await producer.api.post('/messages').type('form').send('Hello');
    expect(form.status).toBe(200);
    expect(form.headers['content-type']).toMatch(/^text\/plain/);
    expect(form.text).toBe('Hello');

    const text = await producer.api
      .post('/messages')
      .set('Content-Type', 'text/plain')
      .send('Hello, text/plain');
    expect(text.status).toBe(200);
    expect(text.text).toBe('Hello, text/plain');

    const utf8 = 'こんにちは, Grüße 👋\nsecond line';
    expect(
      (
        await producer.api
          .post('/messages')
          .set('Content-Type', 'text/plain; charset=utf-8')
          .send(utf8)
      ).status,
    ).toBe(200);
    const binary = Buffer.from([0, 255, 1, 254, 0x80, 0x0a, 0xc3, 0x28]);
    expect(
      (
        await producer.api
          .post('/messages')
          .set('Content-Type', 'application/octet-stream')
          .send(binary)
      ).status,
    ).toBe(200);

    const records = await readTopic(kafka.bindingDir, producer.topic, 4);
    expect(records.map((r) => r.value?.toString('utf8')).slice(0, 3)).toEqual([
      'Hello',
      'Hello, text/plain',
      utf8,
    ]);
    expect(records[3]?.value?.equals(binary)).toBe(true);
  });

  it('answers JSON metadata that matches the record read back', async () => {
    const value = `json ${randomUUID()}`;
    const res = await producer.api
      .post('/messages')
      .set('Accept', 'application/json')
      .type('text')
      .send(value);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      topic: producer.topic,
      partition: expect.any(Number),
      offset: expect.any(String),
      timestamp: expect.any(String),
    });
    expect(res.body.id).toBe(`${res.body.partition}:${res.body.offset}`);
    const records = await readTopic(kafka.bindingDir, producer.topic, (rs) =>
      rs.some((r) => r.value?.toString() === value),
    );
    const found = records.find((r) => r.value?.toString() === value);
    expect(found).toBeDefined();
    expect({ partition: found?.partition, offset: found?.offset }).toEqual({
      partition: res.body.partition,
      offset: res.body.offset,
    });
    expect(new Date(Number(found?.timestamp)).toISOString()).toBe(res.body.timestamp);
  });

  it('rejects an empty body with 400 problem+json', async () => {
    const res = await producer.api.post('/messages').type('form').send('');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ status: 400, title: 'Bad Request' });
  });

  it('rejects a body over MAX_MESSAGE_BYTES with 413 and keeps serving', async () => {
    const res = await producer.api.post('/messages').type('text').send('x'.repeat(4097));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toMatchObject({ status: 413 });
    expect((await producer.api.post('/messages').type('text').send('x'.repeat(4096))).status).toBe(
      200,
    );
  });

  it('answers 405 with Allow for other methods and 404 elsewhere', async () => {
    for (const method of ['get', 'put', 'delete', 'patch'] as const) {
      const res = await producer.api[method]('/messages');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
    }
    const missing = await producer.api.post('/nope').send('x');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('serves health, readiness and metrics', async () => {
    expect((await producer.api.get('/healthz')).status).toBe(200);
    const ready = await producer.api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
    const metrics = await producer.api.get('/metrics');
    expect(metrics.text).toMatch(/kafka_records_produced_total \d+/);
    expect(metrics.text).toMatch(
      /http_requests_total\{method="POST",route="\/messages",status="200"\} \d+/,
    );
    expect(metrics.text).not.toContain(kafka.password);
  });

  it('acknowledges 500 concurrent POSTs with distinct offsets, all present in the topic, in few batches', async () => {
    const values = Array.from({ length: 500 }, (_, i) => `burst ${i} ${randomUUID()}`);
    const responses = await Promise.all(
      values.map((value) =>
        producer.api.post('/messages').set('Accept', 'application/json').type('text').send(value),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(values.map(() => 200));
    const positions = responses.map((r) => `${r.body.partition}:${r.body.offset}`);
    expect(new Set(positions).size).toBe(500);

    const wanted = new Set(values);
    const records = await readTopic(
      kafka.bindingDir,
      producer.topic,
      (rs) => rs.filter((r) => wanted.has(r.value?.toString() ?? '')).length === 500,
    );
    const byPosition = new Map(
      records.map((r) => [`${r.partition}:${r.offset}`, r.value?.toString()]),
    );
    values.forEach((value, i) => {
      expect(byPosition.get(positions[i] ?? '')).toBe(value);
    });

    const metrics = (await producer.api.get('/metrics')).text;
    const batches = Number(/kafka_produce_batch_records_count (\d+)/.exec(metrics)?.[1]);
    expect(batches).toBeGreaterThan(0);
    // Coalescing: far fewer produce requests than records (the exact number depends on timing).
    expect(batches).toBeLessThan(300);
  });
});

describe('record keys', () => {
  let producer: TestProducer;
  const TOPIC = `keyed-${randomUUID()}`;

  beforeAll(async () => {
    // Three partitions, so keys have somewhere to spread.
    await createTopicAsAdmin(kafka.adminBroker, {
      topic: `${kafka.topicPrefix}${TOPIC}`,
      numPartitions: 3,
    });
    producer = await buildProducer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
  });
  afterAll(async () => producer?.close());

  it('sends ?key= and Kafka-Key records with that key, the same key always to the same partition', async () => {
    const post = (key: string, via: 'query' | 'header', value: string) => {
      const req = producer.api.post(
        via === 'query' ? `/messages?key=${encodeURIComponent(key)}` : '/messages',
      );
      return (via === 'header' ? req.set('Kafka-Key', key) : req)
        .set('Accept', 'application/json')
        .type('text')
        .send(value);
    };
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const acks = await Promise.all(
      keys.flatMap((key) => [post(key, 'query', `${key} 1`), post(key, 'header', `${key} 2`)]),
    );
    expect(acks.every((a) => a.status === 200)).toBe(true);
    const partitionOf = new Map<string, number>();
    acks.forEach((ack, i) => {
      const key = keys[Math.floor(i / 2)] ?? '';
      if (partitionOf.has(key)) expect(ack.body.partition).toBe(partitionOf.get(key));
      partitionOf.set(key, ack.body.partition);
    });
    expect(new Set(partitionOf.values()).size).toBeGreaterThan(1);

    const records = await readTopic(kafka.bindingDir, producer.topic, acks.length);
    acks.forEach((ack, i) => {
      const record = records.find(
        (r) => r.partition === ack.body.partition && r.offset === ack.body.offset,
      );
      expect(record, `record at ${ack.body.partition}:${ack.body.offset}`).toBeDefined();
      expect(record?.key?.toString()).toBe(keys[Math.floor(i / 2)]);
      expect(record?.value?.toString().split(' ')[0]).toBe(keys[Math.floor(i / 2)]);
    });
  });
});

describe('a topic that takes only small records', () => {
  let producer: TestProducer;
  const TOPIC = `small-${randomUUID()}`;

  beforeAll(async () => {
    await createTopicAsAdmin(kafka.adminBroker, {
      topic: `${kafka.topicPrefix}${TOPIC}`,
      configEntries: [{ name: 'max.message.bytes', value: '4096' }],
    });
    producer = await buildProducer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
  });
  afterAll(async () => producer?.close());

  it('answers 413 only to the record Kafka finds too large, not to the others coalesced with it', async () => {
    const small = Array.from({ length: 40 }, (_, i) => `small ${i} ${'s'.repeat(200)}`);
    const responses = await Promise.all([
      ...small.map((value) => producer.api.post('/messages').type('text').send(value)),
      producer.api.post('/messages').type('text').send('b'.repeat(10_000)),
    ]);
    expect(responses.slice(0, 40).map((r) => r.status)).toEqual(small.map(() => 200));
    expect(responses[40]?.status).toBe(413);
    expect(JSON.parse(responses[40]?.text ?? '{}')).toMatchObject({ status: 413 });
    // The producer is still healthy for what follows.
    expect((await producer.api.post('/messages').type('text').send('after')).status).toBe(200);
  });
});
