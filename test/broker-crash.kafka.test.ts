import { startLocalKafka, type LocalKafka } from '@demo-kafka/local-kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { listen, type Listening } from './support/listen.js';
import { openStream } from './support/sse-client.js';
import { waitFor } from './support/wait-for.js';

const PRODUCE_TIMEOUT_MS = 3000;

// A broker of its own, SIGKILLed mid-stream: nothing acknowledged may be lost or doubled.
describe('the broker is killed and restarted during a steady stream of POSTs', () => {
  let kafka: LocalKafka;
  let producer: TestProducer;
  let producerServer: Listening;
  let consumer: TestConsumer;

  beforeAll(async () => {
    kafka = await startLocalKafka({ username: 'crash' });
    // A replay buffer large enough for everything the test posts: the resume must be exact, not a gap.
    const env = {
      KAFKA_BINDING_DIR: kafka.bindingDir,
      PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS),
      REPLAY_SIZE: '100000',
    };
    producer = await buildProducer(env);
    producerServer = await listen(producer.app);
    consumer = await buildConsumer(env);
  });
  afterAll(async () => {
    await consumer?.close();
    await producerServer?.close();
    await producer?.close();
    await kafka?.stop();
  });

  it('every 200 appears exactly once for a client resuming with Last-Event-ID; 503s are prompt; both apps recover within 15 s', async () => {
    const reader = await openStream(`${consumer.url}/messages`);
    const acknowledged: string[] = [];
    const slowest503: number[] = [];
    let stop = false;
    let sequence = 0;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const value = `crash-${sequence++}`;
        const started = Date.now();
        const res = await fetch(`${producerServer.url}/messages`, {
          method: 'POST',
          body: value,
          headers: { 'Content-Type': 'text/plain' },
        });
        await res.arrayBuffer();
        if (res.status === 200) acknowledged.push(value);
        else {
          expect(res.status).toBe(503);
          slowest503.push(Date.now() - started);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 1500));
    const beforeCrash = acknowledged.length;
    // The first client goes away with whatever it got, as a browser losing its connection would.
    reader.close();
    const lastSeen = reader.events().at(-1)?.id;
    expect(lastSeen).toBeDefined();

    await kafka.kill();
    await new Promise((r) => setTimeout(r, 4000));
    await kafka.start();
    const back = Date.now();
    await waitFor(
      () => producer.sink.readiness().ready && consumer.source.readiness().ready,
      15_000,
      () => `${producer.sink.readiness().reason} / ${consumer.source.readiness().reason}`,
    );
    const recoveredMs = Date.now() - back;
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(workers);

    expect(beforeCrash).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThan(beforeCrash);
    expect(slowest503.length).toBeGreaterThan(0);
    expect(Math.max(...slowest503)).toBeLessThan(PRODUCE_TIMEOUT_MS + 1500);
    expect(recoveredMs).toBeLessThan(15_000);

    const resumed = await openStream(`${consumer.url}/messages`, {
      'Last-Event-ID': lastSeen ?? '',
    });
    const wanted = new Set(acknowledged);
    const seen = () =>
      [...reader.events(), ...resumed.events()]
        .map((e) => e.data)
        .filter((d) => d.startsWith('crash-'));
    await waitFor(
      () => seen().filter((d) => wanted.has(d)).length >= wanted.size,
      20_000,
      () => `${seen().length} of ${wanted.size}`,
    );
    resumed.close();
    expect(resumed.events().filter((e) => e.event === 'gap')).toEqual([]);
    const counts = new Map<string, number>();
    for (const value of seen()) counts.set(value, (counts.get(value) ?? 0) + 1);
    expect(acknowledged.filter((value) => counts.get(value) !== 1)).toEqual([]);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
  });
});
