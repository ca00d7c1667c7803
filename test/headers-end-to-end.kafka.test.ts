/**
 * Record headers from HTTP through Kafka to the stream: what a POST carries (Kafka-Header-*,
 * content type, CloudEvents, trace context) comes out of `?format=json` and `?format=cloudevents`,
 * and `?header=` filters by it, with ids, replay, Last-Event-ID and ?since= as in the default stream.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { openStream, type SseEvent, type SseStream } from './support/sse-client.js';
import { waitFor } from './support/wait-for.js';

const kafka = inject('kafka');
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('record headers end to end', () => {
  const TOPIC = `headers-e2e-${randomUUID()}`;
  let producer: TestProducer;
  let consumer: TestConsumer;
  const streams: SseStream[] = [];
  const open = async (path: string, headers: Record<string, string> = {}): Promise<SseStream> => {
    const stream = await openStream(`${consumer.url}${path}`, headers);
    streams.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  };
  const data = (events: readonly SseEvent[]): unknown[] =>
    events.map((e) => JSON.parse(e.data) as unknown);

  beforeAll(async () => {
    const env = { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC };
    producer = await buildProducer(env);
    consumer = await buildConsumer(env);
    const post = () => request(producer.app).post('/messages').set('Accept', 'application/json');
    expect((await post().type('text').send('plain')).status).toBe(200);
    expect(
      (
        await post()
          .query({ key: 'order-7' })
          .set('Content-Type', 'text/plain; charset=utf-8')
          .set('Kafka-Header-Tenant', 't1')
          .set('traceparent', TRACEPARENT)
          .send('for t1')
      ).status,
    ).toBe(200);
    const ce = await post()
      .set('Content-Type', 'application/json')
      .set('ce-specversion', '1.0')
      .set('ce-id', 'order-1')
      .set('ce-source', '/shop')
      .set('ce-type', 'com.example.order.created')
      .set('Kafka-Header-Tenant', 't2')
      .send('{"total":12}');
    expect(ce.status).toBe(200);
    await waitFor(() => consumer.hub.bufferedCount === 3);
  });
  afterAll(async () => {
    streams.splice(0).forEach((s) => {
      s.close();
    });
    await consumer?.close();
    await producer?.close();
  });

  it('?format=json: topic, partition, offset, timestamp, key, headers and value, with the default ids', async () => {
    const text = await open('/messages');
    const json = await open('/messages?format=json');
    const events = await json.waitForEvents(3);
    expect(events.map((e) => e.id)).toEqual((await text.waitForEvents(3)).map((e) => e.id));
    const [plain, t1, ce] = data(events) as Array<Record<string, unknown>>;
    expect(plain).toEqual({
      topic: producer.topic,
      partition: 0,
      offset: '0',
      timestamp: expect.any(String),
      key: null,
      headers: { 'content-type': ['text/plain'] },
      valueEncoding: 'utf8',
      value: 'plain',
    });
    expect(t1).toMatchObject({
      offset: '1',
      key: 'order-7',
      headers: {
        'content-type': ['text/plain; charset=utf-8'],
        tenant: ['t1'],
        traceparent: [TRACEPARENT],
      },
      value: 'for t1',
    });
    expect(ce?.headers).toEqual({
      'content-type': ['application/json'],
      ce_specversion: ['1.0'],
      ce_id: ['order-1'],
      ce_source: ['/shop'],
      ce_type: ['com.example.order.created'],
      tenant: ['t2'],
    });
  });

  it("?format=cloudevents: the record's own event when it is one, else one built from it", async () => {
    const events = data(
      await (await open('/messages?format=cloudevents')).waitForEvents(3),
    ) as Array<Record<string, unknown>>;
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      id: '0:0',
      source: `/topics/${encodeURIComponent(producer.topic)}`,
      type: 'demo-kafka.record',
      data: 'plain',
    });
    expect(events[1]).toMatchObject({
      id: '0:1',
      partitionkey: 'order-7',
      traceparent: TRACEPARENT,
      datacontenttype: 'text/plain; charset=utf-8',
      data: 'for t1',
    });
    expect(events[2]).toEqual({
      specversion: '1.0',
      id: 'order-1',
      source: '/shop',
      type: 'com.example.order.created',
      datacontenttype: 'application/json',
      data: { total: 12 },
    });
  });

  it('?header= filters, alone or with ?key=, and resumes with Last-Event-ID and ?since= in the new formats', async () => {
    const t2 = await open('/messages?header=tenant:t2&format=json');
    expect(
      (data(await t2.waitForEvents(1)) as Array<{ value: unknown }>).map((e) => e.value),
    ).toEqual([{ total: 12 }]);
    const both = await open('/messages?header=Tenant:t1&key=order-7&format=cloudevents');
    expect((await both.waitForEvents(1)).map((e) => e.id)).toEqual(['0:1']);
    const resumed = await open('/messages?format=json', { 'Last-Event-ID': '0:1' });
    expect((await resumed.waitForEvents(1)).map((e) => e.id)).toEqual(['0:2']);
    const since = await open(`/messages?format=cloudevents&since=${Date.now() + 60_000}`);
    // Nothing is that new: the next POST is the first event.
    expect(
      (
        await request(producer.app)
          .post('/messages')
          .type('text')
          .set('Kafka-Header-Tenant', 't2')
          .send('later')
      ).status,
    ).toBe(200);
    expect(
      (data(await since.waitForEvents(1)) as Array<{ data: string }>).map((e) => e.data),
    ).toEqual(['later']);
    expect(
      (data(await t2.waitForEvents(2)) as Array<{ value: unknown }>).map((e) => e.value),
    ).toEqual([{ total: 12 }, 'later']);
  });

  it('refuses an unknown format and a header filter without a name', async () => {
    for (const query of ['format=xml', 'header=novalue', 'header=:v']) {
      const res = await fetch(`${consumer.url}/messages?${query}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });
});
