import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { produce } from '../../../test/support/produce.js';
import { openStream, type SseStream } from '../../../test/support/sse-client.js';
import { buildConsumer, type TestConsumer } from './build-consumer.js';
import { waitFor } from '../../../test/support/wait-for.js';

const kafka = inject('kafka');

describe('GET /messages through a real broker', () => {
  const consumers: TestConsumer[] = [];
  const streams: SseStream[] = [];
  afterEach(async () => {
    streams.splice(0).forEach((s) => {
      s.close();
    });
    await Promise.all(consumers.splice(0).map((c) => c.close()));
  });
  const start = async (env: Record<string, string>, waitReady = true) => {
    const consumer = await buildConsumer(
      { KAFKA_BINDING_DIR: kafka.bindingDir, ...env },
      waitReady,
    );
    consumers.push(consumer);
    return consumer;
  };
  const open = async (url: string, headers: Record<string, string> = {}) => {
    const stream = await openStream(url, headers);
    streams.push(stream);
    return stream;
  };

  it('streams records in order with their ids, as plain text: data:Hello, never "Hello"', async () => {
    const TOPIC = `stream-${randomUUID()}`;
    const consumer = await start({ TOPIC });
    const stream = await open(`${consumer.url}/messages`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    await produce(kafka.bindingDir, TOPIC, ['Hello', 'two\nlines', 'third']);
    const events = await stream.waitForEvents(3);
    expect(events.map((e) => e.data)).toEqual(['Hello', 'two\nlines', 'third']);
    expect(events.map((e) => e.id)).toEqual(['0:0', '0:1', '0:2']);
    expect(stream.raw()).toMatch(/^data: ?Hello$/m);
    expect(stream.raw()).not.toContain('"Hello"');
    expect(stream.raw()).toMatch(/^data: ?two$\n^data: ?lines$/m);
    expect(stream.raw()).toMatch(/^retry:\d+$/m);
  });

  it('gives a late client the last REPLAY_SIZE records, then live ones', async () => {
    const TOPIC = `replay-${randomUUID()}`;
    await produce(
      kafka.bindingDir,
      TOPIC,
      Array.from({ length: 8 }, (_, i) => `m${i}`),
    );
    const consumer = await start({ TOPIC, REPLAY_SIZE: '5' });
    await waitFor(() => consumer.hub.bufferedCount === 5);
    const late = await open(`${consumer.url}/messages`);
    expect((await late.waitForEvents(5)).map((e) => e.data)).toEqual([
      'm3',
      'm4',
      'm5',
      'm6',
      'm7',
    ]);
    await produce(kafka.bindingDir, TOPIC, ['live']);
    expect((await late.waitForEvents(6))[5]?.data).toBe('live');
  });

  it('resumes after Last-Event-ID (header or ?lastEventId=) with no gap and no duplicate; a malformed id replays all', async () => {
    const TOPIC = `resume-${randomUUID()}`;
    const consumer = await start({ TOPIC });
    const first = await open(`${consumer.url}/messages`);
    await produce(kafka.bindingDir, TOPIC, ['a', 'b', 'c']);
    const seen = await first.waitForEvents(3);
    first.close();
    await produce(kafka.bindingDir, TOPIC, ['d', 'e']);
    await waitFor(() => consumer.hub.bufferedCount === 5);

    const byHeader = await open(`${consumer.url}/messages`, { 'Last-Event-ID': seen[2]?.id ?? '' });
    expect((await byHeader.waitForEvents(2)).map((e) => e.data)).toEqual(['d', 'e']);
    const byQuery = await open(
      `${consumer.url}/messages?lastEventId=${encodeURIComponent(seen[1]?.id ?? '')}`,
    );
    expect((await byQuery.waitForEvents(3)).map((e) => e.data)).toEqual(['c', 'd', 'e']);
    const malformed = await open(`${consumer.url}/messages`, { 'Last-Event-ID': 'not-an-id' });
    expect((await malformed.waitForEvents(5)).map((e) => e.data)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
    ]);

    // A record after the last one expected: a duplicate would arrive before it, in partition order.
    await produce(kafka.bindingDir, TOPIC, ['f', 'marker']);
    await byHeader.waitForEvents(4);
    expect(byHeader.events().map((e) => e.data)).toEqual(['d', 'e', 'f', 'marker']);
  });

  it('resumes with no gap and no duplicate across a consumer restart (the buffer refills from Kafka)', async () => {
    const TOPIC = `restart-${randomUUID()}`;
    const before = await start({ TOPIC });
    const stream = await open(`${before.url}/messages`);
    await produce(kafka.bindingDir, TOPIC, ['r1', 'r2', 'r3']);
    const seen = await stream.waitForEvents(3);
    stream.close();
    await before.close();
    consumers.splice(consumers.indexOf(before), 1);

    await produce(kafka.bindingDir, TOPIC, ['r4', 'r5']);
    const after = await start({ TOPIC });
    await waitFor(() => after.hub.bufferedCount === 5);
    const resumed = await open(`${after.url}/messages`, { 'Last-Event-ID': seen[2]?.id ?? '' });
    await produce(kafka.bindingDir, TOPIC, ['marker']);
    await resumed.waitForEvents(3);
    expect(resumed.events().map((e) => e.data)).toEqual(['r4', 'r5', 'marker']);
  });

  it('resumes by time with ?since= (epoch ms or ISO 8601) and refuses a since that is not a time', async () => {
    const TOPIC = `since-${randomUUID()}`;
    const consumer = await start({ TOPIC });
    await produce(kafka.bindingDir, TOPIC, ['before-1', 'before-2']);
    await waitFor(() => consumer.hub.bufferedCount === 2);
    await new Promise((r) => setTimeout(r, 50));
    const cut = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await produce(kafka.bindingDir, TOPIC, ['after-1', 'after-2']);
    await waitFor(() => consumer.hub.bufferedCount === 4);
    for (const since of [String(cut), new Date(cut).toISOString()]) {
      const stream = await open(`${consumer.url}/messages?since=${encodeURIComponent(since)}`);
      expect((await stream.waitForEvents(2)).map((e) => e.data)).toEqual(['after-1', 'after-2']);
    }
    const bad = await fetch(`${consumer.url}/messages?since=yesterday-ish`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('reads a resume point older than the buffer from Kafka: every record after it, no gap', async () => {
    const TOPIC = `gap-${randomUUID()}`;
    await produce(kafka.bindingDir, TOPIC, ['g0', 'g1', 'g2', 'g3', 'g4', 'g5']);
    const consumer = await start({ TOPIC, REPLAY_SIZE: '3' });
    await waitFor(() => consumer.hub.bufferedCount === 3);
    const stream = await open(`${consumer.url}/messages`, { 'Last-Event-ID': '0:0' });
    const events = await stream.waitForEvents(5);
    expect(events.map((e) => e.event)).not.toContain('gap');
    expect(events.map((e) => e.data)).toEqual(['g1', 'g2', 'g3', 'g4', 'g5']);
    expect(events.map((e) => e.id)).toEqual(['0:1', '0:2', '0:3', '0:4', '0:5']);
  });

  it('delivers every message to each of 200 concurrent clients', async () => {
    const TOPIC = `fanout-${randomUUID()}`;
    // 200 users, all on this host's address here.
    const consumer = await start({ TOPIC, MAX_CLIENT_STREAMS: '0' });
    const clients = await Promise.all(
      Array.from({ length: 200 }, () => open(`${consumer.url}/messages`)),
    );
    const values = Array.from({ length: 20 }, (_, i) => `fan ${i}`);
    await produce(kafka.bindingDir, TOPIC, values);
    for (const client of clients)
      expect((await client.waitForEvents(20)).map((e) => e.data)).toEqual(values);
    expect(consumer.hub.clientCount).toBe(200);
  });

  it('sends keep-alive comments on an idle stream', async () => {
    const consumer = await start({ TOPIC: `idle-${randomUUID()}`, KEEPALIVE_MS: '100' });
    const stream = await open(`${consumer.url}/messages`);
    await new Promise((r) => setTimeout(r, 450));
    expect((stream.raw().match(/^:.*$/gm) ?? []).length).toBeGreaterThanOrEqual(2);
  });

  it('answers 503 problem+json past MAX_CLIENTS', async () => {
    const consumer = await start({ TOPIC: `max-${randomUUID()}`, MAX_CLIENTS: '2' });
    await open(`${consumer.url}/messages`);
    await open(`${consumer.url}/messages`);
    const third = await fetch(`${consumer.url}/messages`);
    expect(third.status).toBe(503);
    expect(third.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(third.headers.get('retry-after')).toBeTruthy();
  });

  it('answers HEAD /messages at once without taking a client slot', async () => {
    const consumer = await start({ TOPIC: `head-${randomUUID()}` });
    const head = await fetch(`${consumer.url}/messages`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(3000),
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(consumer.hub.clientCount).toBe(0);
  });

  it('serves /healthz, /readyz and /metrics with no secret', async () => {
    const consumer = await start({ TOPIC: `health-${randomUUID()}` });
    await open(`${consumer.url}/messages`);
    expect((await fetch(`${consumer.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${consumer.url}/readyz`)).json()).toEqual({ status: 'ready' });
    const metrics = await (await fetch(`${consumer.url}/metrics`)).text();
    expect(metrics).toMatch(/^sse_clients 1$/m);
    expect(metrics).toContain('kafka_records_consumed_total');
    expect(metrics).not.toContain(kafka.password);
  });
});
