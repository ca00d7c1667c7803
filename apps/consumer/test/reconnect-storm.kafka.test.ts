import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Kafka, logLevel } from '@demo-kafka/kafka-client';
import { loadKafkaBinding } from '@demo-kafka/config';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTopicAsAdmin } from '../../../test/support/create-topic.js';
import { produce } from '../../../test/support/produce.js';
import { openStream, type SseStream } from '../../../test/support/sse-client.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { CATCH_UP_STALL_MS } from '../src/stream/stream-hub.js';
import { buildConsumer, type TestConsumer } from './build-consumer.js';

const kafka = inject('kafka');

const STORM = 5000;
const SLOW = 3;
const BOUND = 256 * 1024;
/** Large records only a client without an id is replayed: enough to fill a paused socket's kernel buffers. */
const BIG = { count: 16, bytes: 500 * 1024 };

/** Writes each value as its own produce request (a record batch above 1 MB would be refused). */
async function produceOneByOne(values: readonly string[]): Promise<void> {
  const binding = loadKafkaBinding(
    { KAFKA_BINDING_DIR: kafka.bindingDir },
    { topic: TOPIC, groupId: 'reconnect-storm-unused', clientId: 'reconnect-storm-producer' },
  );
  const producer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING })).producer();
  await producer.connect();
  try {
    for (const value of values)
      await producer.send({ topic: binding.topic, acks: -1, messages: [{ value }] });
  } finally {
    await producer.disconnect();
  }
}

/** A stream that never reads: the kernel buffers fill, then the server's queue for it grows. */
function openPaused(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `GET /messages HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      socket.pause();
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

const TOPIC = `storm-${randomUUID()}`;

describe(`a reconnect storm: ${STORM} clients resuming at once after a consumer restart`, () => {
  const consumers: TestConsumer[] = [];
  const streams: SseStream[] = [];
  const paused: Socket[] = [];
  afterAll(async () => {
    for (const s of streams) s.close();
    for (const s of paused) s.destroy();
    for (const c of consumers) await c.close();
  });

  it('each gets exactly what it lacked, no gap and no duplicate; MAX_CLIENTS and the slow-client bound hold', async () => {
    await createTopicAsAdmin(kafka.adminBroker, {
      topic: `${kafka.topicPrefix}${TOPIC}`,
      numPartitions: 3,
    });
    const env = {
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      MAX_CLIENTS: String(STORM),
      // Thousands of users, all on this host's address here.
      MAX_CLIENT_STREAMS: '0',
      MAX_CLIENT_BUFFER_BYTES: String(BOUND),
      KEEPALIVE_MS: '600000',
    };
    const before = Array.from({ length: 60 }, (_, i) => `before-${i}`);
    const down = Array.from({ length: 20 }, (_, i) => `down-${i}`);
    const after = Array.from({ length: 10 }, (_, i) => `after-${i}`);

    // The first process: every client has read part of the stream and holds an id from it.
    const first = await buildConsumer(env);
    consumers.push(first);
    await produceOneByOne(
      Array.from({ length: BIG.count }, (_, i) => `big-${i}-`.padEnd(BIG.bytes, 'x')),
    );
    await produce(kafka.bindingDir, TOPIC, before, { keyed: true });
    await waitFor(() => first.hub.bufferedCount === BIG.count + before.length, 15_000);
    const reader = await openStream(`${first.url}/messages`);
    const seen = (await reader.waitForEvents(BIG.count + before.length, 20_000)).slice(BIG.count);
    reader.close();
    // Across three partitions the order is the consumption order, not the order written.
    const seenData = seen.map((e) => e.data);
    expect(new Set(seenData)).toEqual(new Set(before));
    const ids = seen.map((e) => e.id ?? '');

    // The restart: the process goes, records keep coming, a new process refills from Kafka.
    await first.close();
    await produce(kafka.bindingDir, TOPIC, down, { keyed: true });
    const restarted = await buildConsumer(env);
    consumers.push(restarted);
    const total = BIG.count + before.length + down.length;
    await waitFor(() => restarted.hub.bufferedCount === total, 20_000);

    // Clients that stop reading while their replay of the whole buffer (several MB) goes out in
    // parts: each is dropped once it has taken nothing for CATCH_UP_STALL_MS.
    for (let i = 0; i < SLOW; i++) paused.push(await openPaused(restarted.url));
    await waitFor(() => restarted.hub.clientCount === SLOW, 10_000);
    await expect
      .poll(() => metric(restarted.url, 'sse_slow_client_disconnects_total'), {
        timeout: CATCH_UP_STALL_MS + 15_000,
      })
      .toBe(SLOW);
    expect(restarted.hub.clientCount).toBe(0);

    // The storm: all at once, SLOW more than MAX_CLIENTS, client i resuming from the id of the
    // (i % 60)th record it saw.
    const started = performance.now();
    const attempts = await Promise.allSettled(
      Array.from({ length: STORM + SLOW }, (_, i) =>
        openStream(`${restarted.url}/messages`, { 'Last-Event-ID': ids[i % ids.length] ?? '' }),
      ),
    );
    const opened = attempts.map((a) => (a.status === 'fulfilled' ? a.value : undefined));
    for (const s of opened) if (s) streams.push(s);
    // Exactly the excess is refused, none fails otherwise.
    expect(attempts.filter((a) => a.status === 'rejected')).toEqual([]);
    const statuses = opened.map((s) => s?.status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(SLOW);
    expect(statuses.filter((s) => s === 200)).toHaveLength(STORM);
    expect(restarted.hub.clientCount).toBe(STORM);
    expect(await metric(restarted.url, 'sse_rejected_clients_total')).toBe(SLOW);

    await produce(kafka.bindingDir, TOPIC, after, { keyed: true });
    // As many clients leave; the refused ones retry (as an EventSource does) and now find room.
    const leaving = opened.flatMap((s, i) => (s?.status === 200 ? [i] : [])).slice(-SLOW);
    for (const i of leaving) {
      opened[i]?.close();
      opened[i] = undefined;
    }
    await waitFor(() => restarted.hub.clientCount === STORM - SLOW, 10_000);
    const refused = opened.flatMap((s, i) => (s?.status === 503 ? [i] : []));
    for (const i of refused) {
      const retried = await openStream(`${restarted.url}/messages`, {
        'Last-Event-ID': ids[i % ids.length] ?? '',
      });
      expect(retried.status).toBe(200);
      streams.push(retried);
      opened[i] = retried;
    }
    await produce(kafka.bindingDir, TOPIC, ['end']);

    // What client i lacked: what the first process sent after its id, and all that came since.
    const expected = (i: number): string[] => [
      ...seenData.slice((i % ids.length) + 1),
      ...down,
      ...after,
      'end',
    ];
    await Promise.all(
      opened.map(async (stream, i) => {
        if (!stream) return;
        const events = await stream.waitForEvents(expected(i).length, 30_000);
        // Partitions interleave differently in each process, so compare as sets, then count: no gap, no duplicate.
        const data = events.map((e) => e.data);
        expect(events.some((e) => e.event === 'gap')).toBe(false);
        expect(data.length).toBe(expected(i).length);
        expect(new Set(data)).toEqual(new Set(expected(i)));
      }),
    );
    expect(restarted.hub.clientCount).toBe(STORM);
    // Bounded in time: a storm is absorbed in seconds, not minutes.
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 120_000);
});
