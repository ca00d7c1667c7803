/**
 * Values and headers as they were sent, from a POST through Kafka to `?format=json`: header
 * names like Object.prototype's members, percent-encoded CloudEvents attributes, JSON values as
 * JSON, text as text, other bytes as base64, and a compressed body as what it decodes to.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { openStream, type SseStream } from './support/sse-client.js';
import { waitFor } from './support/wait-for.js';

const kafka = inject('kafka');
const BINARY = Buffer.from([0xff, 0x00, 0xfe, 0x80]);
const BIG_JSON = '{"id": 12345678901234567890,\n "z": [1, "two"], "a": null}';

describe('values and headers as they were sent, end to end', () => {
  const TOPIC = `as-sent-${randomUUID()}`;
  let producer: TestProducer;
  let consumer: TestConsumer;
  let stream: SseStream | undefined;
  let records: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const env = { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC };
    producer = await buildProducer(env);
    consumer = await buildConsumer(env);
    const post = () => request(producer.app).post('/messages');
    const posts = [
      post()
        .set('Kafka-Header-constructor', 'x')
        .set('Kafka-Header-__proto__', 'y')
        .type('text')
        .send('odd names'),
      post().set('Content-Type', 'application/json').send(BIG_JSON),
      post().set('Content-Type', 'application/json').send('{"total":'),
      post().set('Content-Type', 'application/octet-stream').send(BINARY),
      post()
        .set('Content-Type', 'text/plain')
        .set('Content-Encoding', 'gzip')
        .send(gzipSync('inflated before it is stored')),
      post()
        .set('Content-Type', 'text/plain')
        .set('ce-specversion', '1.0')
        .set('ce-id', 'e-1')
        .set('ce-source', '/shop')
        .set('ce-type', 'com.example.order')
        .set('ce-subject', 'caf%C3%A9 %22100%25%22')
        .send('encoded attributes'),
    ];
    // One at a time: the offsets are then in this order.
    for (const sent of posts) expect((await sent).status).toBe(200);
    await waitFor(() => consumer.hub.bufferedCount === posts.length);
    stream = await openStream(`${consumer.url}/messages?format=json`);
    expect(stream.status).toBe(200);
    records = (await stream.waitForEvents(posts.length)).map(
      (event) => JSON.parse(event.data) as Record<string, unknown>,
    );
  });
  afterAll(async () => {
    stream?.close();
    await consumer?.close();
    await producer?.close();
  });

  it('streams headers named constructor and __proto__ with exactly the values sent', () => {
    expect(records[0]?.headers).toEqual({
      'content-type': ['text/plain'],
      constructor: ['x'],
      // JSON.parse gives `__proto__` as an own member: it is the header, not a prototype.
      ['__proto__']: ['y'],
    });
    expect(Object.keys(records[0]?.headers ?? {})).toEqual([
      'content-type',
      'constructor',
      '__proto__',
    ]);
  });

  it('carries a JSON value as JSON, as sent; one that is not JSON as text', async () => {
    expect(records[1]).toMatchObject({ valueEncoding: 'json', value: { z: [1, 'two'], a: null } });
    // The number is as sent (no double would hold it): the event's text holds its digits.
    const raw = (await stream?.waitForEvents(2))?.[1]?.data ?? '';
    expect(raw).toContain('"value":{"id": 12345678901234567890,  "z": [1, "two"], "a": null}}');
    expect(records[2]).toMatchObject({ valueEncoding: 'utf8', value: '{"total":' });
  });

  it('carries bytes that are not UTF-8 as base64, marked', () => {
    expect(records[3]).toMatchObject({
      valueEncoding: 'base64',
      value: BINARY.toString('base64'),
    });
  });

  it('stores a gzip body as what it decodes to', () => {
    expect(records[4]).toMatchObject({
      valueEncoding: 'utf8',
      value: 'inflated before it is stored',
      headers: { 'content-type': ['text/plain'] },
    });
  });

  it('stores ce-* values percent-decoded', () => {
    expect(records[5]?.headers).toMatchObject({ ce_subject: ['café "100%"'] });
  });
});
