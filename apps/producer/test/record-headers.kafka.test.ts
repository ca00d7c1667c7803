import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic, type ReadRecord } from '../../../test/support/read-topic.js';
import { buildProducer, type TestProducer } from './build-producer.js';

const kafka = inject('kafka');
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const text = (headers: ReadRecord['headers'], name: string): string | string[] | undefined => {
  const value = headers?.[name];
  return Array.isArray(value) ? value.map((v) => v.toString('utf8')) : value?.toString('utf8');
};

describe('record headers through a real broker', () => {
  let producer: TestProducer;
  const TOPIC = `headers-${randomUUID()}`;

  beforeAll(async () => {
    producer = await buildProducer({
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      MAX_RECORD_HEADERS: '6',
    });
  });
  afterAll(async () => producer?.close());

  async function recordOf(value: string): Promise<ReadRecord> {
    const records = await readTopic(kafka.bindingDir, producer.topic, (rs) =>
      rs.some((r) => r.value?.toString() === value),
    );
    const found = records.find((r) => r.value?.toString() === value);
    if (!found) throw new Error(`${value} not read back`);
    return found;
  }

  it('writes Kafka-Header-*, the content type and the trace context; the ack and key are as before', async () => {
    const value = `with headers ${randomUUID()}`;
    // A value shaped like the tokens the run's log scan looks for: it must appear in no log line.
    const token = `tok-${randomUUID().slice(0, 13)}`;
    const res = await producer.api
      .post('/messages?key=k-1')
      .set('Accept', 'application/json')
      .set('Content-Type', 'text/plain; charset=utf-8')
      .set('Kafka-Header-Correlation-Id', 'c-42')
      .set('Kafka-Header-Authorization', token)
      .set('traceparent', TRACEPARENT)
      .set('tracestate', 'vendor=1')
      .send(value);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'id',
      'offset',
      'partition',
      'timestamp',
      'topic',
    ]);
    const record = await recordOf(value);
    expect(record.key?.toString()).toBe('k-1');
    expect(Object.keys(record.headers ?? {})).toEqual([
      'content-type',
      'correlation-id',
      'authorization',
      'traceparent',
      'tracestate',
    ]);
    expect(text(record.headers, 'content-type')).toBe('text/plain; charset=utf-8');
    expect(text(record.headers, 'correlation-id')).toBe('c-42');
    expect(text(record.headers, 'authorization')).toBe(token);
    expect(text(record.headers, 'traceparent')).toBe(TRACEPARENT);
    expect(text(record.headers, 'tracestate')).toBe('vendor=1');
  });

  it('keeps a repeated header as repeated record headers, in order', async () => {
    const value = `repeated ${randomUUID()}`;
    // Node sends an array as one header line per value; supertest's types allow arrays only for Cookie.
    const values = ['first', 'second', 'third'] as unknown as string;
    const res = await producer.api
      .post('/messages')
      .type('text')
      .set('Kafka-Header-Tag', values)
      .send(value);
    expect(res.status).toBe(200);
    expect(text((await recordOf(value)).headers, 'tag')).toEqual(['first', 'second', 'third']);
  });

  it('writes a binary-mode CloudEvent as ce_* headers and a structured one as its body, key from partitionkey', async () => {
    const binaryValue = JSON.stringify({ order: randomUUID() });
    const binary = await producer.api
      .post('/messages')
      .set('Content-Type', 'application/json')
      .set('ce-specversion', '1.0')
      .set('ce-id', 'order-1')
      .set('ce-source', '/shop/orders')
      .set('ce-type', 'com.example.order.created')
      .set('ce-partitionkey', 'customer-9')
      .send(binaryValue);
    expect(binary.status).toBe(200);
    const record = await recordOf(binaryValue);
    expect(record.value?.toString()).toBe(binaryValue);
    expect(record.key?.toString()).toBe('customer-9');
    expect(Object.keys(record.headers ?? {})).toEqual([
      'content-type',
      'ce_specversion',
      'ce_id',
      'ce_source',
      'ce_type',
      'ce_partitionkey',
    ]);
    expect(text(record.headers, 'ce_type')).toBe('com.example.order.created');

    const structuredValue = JSON.stringify(
      {
        specversion: '1.0',
        id: randomUUID(),
        source: '/shop',
        type: 'com.example.x',
        data: { a: 1 },
      },
      null,
      2,
    );
    const structured = await producer.api
      .post('/messages')
      .set('Content-Type', 'application/cloudevents+json; charset=utf-8')
      .send(structuredValue);
    expect(structured.status).toBe(200);
    const stored = await recordOf(structuredValue);
    expect(stored.value?.toString()).toBe(structuredValue);
    expect(Object.keys(stored.headers ?? {})).toEqual(['content-type']);
    expect(text(stored.headers, 'content-type')).toBe(
      'application/cloudevents+json; charset=utf-8',
    );
  });

  it('refuses an invalid CloudEvent and too many headers with problem+json, and writes nothing', async () => {
    const marker = `refused ${randomUUID()}`;
    const invalid = await producer.api
      .post('/messages')
      .type('text')
      .set('ce-specversion', '1.0')
      .set('ce-id', '1')
      .set('ce-type', 't')
      .send(marker);
    expect(invalid.status).toBe(400);
    expect(invalid.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(invalid.text).detail).toContain('"source"');
    const tooMany = producer.api.post('/messages').type('text');
    for (let i = 0; i < 6; i++) void tooMany.set(`Kafka-Header-h${i}`, 'v');
    const refused = await tooMany.send(marker);
    expect(refused.status).toBe(431);
    expect(JSON.parse(refused.text).detail).toMatch(/at most 6 headers/);
    // Then one that is accepted: it is read back, and nothing of the refused ones was written before it.
    const after = `accepted ${randomUUID()}`;
    expect((await producer.api.post('/messages').type('text').send(after)).status).toBe(200);
    const records = await readTopic(kafka.bindingDir, producer.topic, (rs) =>
      rs.some((r) => r.value?.toString() === after),
    );
    expect(records.filter((r) => r.value?.toString() === marker)).toEqual([]);
  });
});
