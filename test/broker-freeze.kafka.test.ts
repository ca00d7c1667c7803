import { startLocalKafkaCluster, type LocalKafkaCluster } from '@demo-kafka/local-kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { producerSettingsSpec } from '../apps/producer/src/settings.js';
import { listen, type Listening } from './support/listen.js';
import { openStream, type SseStream } from './support/sse-client.js';
import { steadyPosts, type PostOutcome } from './support/steady-posts.js';
import { waitFor } from './support/wait-for.js';

const PRODUCE_TIMEOUT_MS = Number(producerSettingsSpec.PRODUCE_TIMEOUT_MS.default);
const SLACK_MS = 1_500;

async function readyz(url: string): Promise<{ status: number; reason?: string }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, reason: ((await res.json()) as { reason?: string }).reason };
}

// One broker, as the demo runs it, frozen (SIGSTOP) rather than killed: it keeps its sockets
// open and answers nothing, as on a stalled disk or a paused VM.
describe('the only broker is frozen for a while under a steady stream of POSTs, then continued', () => {
  let kafka: LocalKafkaCluster;
  let producer: TestProducer;
  let producerServer: Listening;
  let consumer: TestConsumer;
  let live: SseStream;

  beforeAll(async () => {
    // A one-node cluster: the single broker's shape (replication factor 1) with a handle on its JVM.
    kafka = await startLocalKafkaCluster({ brokers: 1, username: 'freeze' });
    const env = { KAFKA_BINDING_DIR: kafka.bindingDir, REPLAY_SIZE: '100000' };
    producer = await buildProducer(env);
    producerServer = await listen(producer.app);
    consumer = await buildConsumer(env);
    live = await openStream(`${consumer.url}/messages`);
  }, 120_000);
  afterAll(async () => {
    live?.close();
    await consumer?.close();
    await producerServer?.close();
    await producer?.close();
    await kafka?.stop();
  });

  it('no POST waits past the produce timeout, /readyz says why, and all resumes after the thaw with no restart', async () => {
    let liveEnded = false;
    void live.ended.then(() => (liveEnded = true));
    const load = steadyPosts(
      `${producerServer.url}/messages`,
      'freeze',
      20,
      PRODUCE_TIMEOUT_MS + 5_000,
    );
    const node = kafka.node(1);
    let readyMs = 0;
    let thawedAt = 0;
    let outcomes: PostOutcome[] = [];
    try {
      await waitFor(
        () => load.acknowledged().length >= 10,
        15_000,
        () => 'nothing acknowledged before the freeze',
      );

      node.freeze();
      const frozenAt = Date.now();
      await waitFor(
        () => !producer.sink.readiness().ready && !consumer.source.readiness().ready,
        PRODUCE_TIMEOUT_MS + 10_000,
        () =>
          `still ready: producer ${JSON.stringify(producer.sink.readiness())}, consumer ${JSON.stringify(consumer.source.readiness())}`,
      );
      const producerReady = await readyz(producerServer.url);
      const consumerReady = await readyz(consumer.url);
      expect(producerReady).toEqual({
        status: 503,
        reason: expect.stringMatching(/^Kafka did not answer in time/),
      });
      expect(consumerReady).toEqual({
        status: 503,
        reason: expect.stringMatching(/^Kafka did not answer in time/),
      });
      // Frozen for longer than the produce timeout, so POSTs meet the freeze from start to end.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, frozenAt + PRODUCE_TIMEOUT_MS + 2_000 - Date.now())),
      );
      node.thaw();
      thawedAt = Date.now();

      await waitFor(
        () => producer.sink.readiness().ready && consumer.source.readiness().ready,
        15_000,
        () => `${producer.sink.readiness().reason} / ${consumer.source.readiness().reason}`,
      );
      readyMs = Date.now() - thawedAt;
      const ackedBefore = load.acknowledged().length;
      await waitFor(
        () => load.acknowledged().length >= ackedBefore + 20,
        15_000,
        () => 'no POST acknowledged after the thaw',
      );
    } finally {
      // Also when a step failed: no frozen broker and no POSTs left for the next test.
      node.thaw();
      outcomes = await load.stop();
    }

    const acknowledged = outcomes.filter((o) => o.status === 200).map((o) => o.value);
    const afterThaw = outcomes
      .filter((o) => o.status === 200 && o.startedAt > thawedAt + readyMs)
      .map((o) => o.value);
    const seen = (): string[] =>
      live
        .events()
        .map((e) => e.data)
        .filter((d) => d.startsWith('freeze-'));
    await waitFor(
      () => acknowledged.every((value) => seen().includes(value)),
      30_000,
      () => `${seen().length} of ${acknowledged.length} streamed`,
    );
    const unavailable = outcomes.filter((o) => o.status === 503);
    console.log(
      `[freeze] ${outcomes.length} POSTs, ${acknowledged.length} ok, ${unavailable.length} x 503 (longest ${Math.max(0, ...unavailable.map((o) => o.ms))} ms), slowest ${Math.max(...outcomes.map((o) => o.ms))} ms, ready ${readyMs} ms after the thaw`,
    );

    expect(
      outcomes.filter((o) => o.status !== 200 && o.status !== 503),
      'hangs or other answers',
    ).toEqual([]);
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(PRODUCE_TIMEOUT_MS + SLACK_MS);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(afterThaw.length).toBeGreaterThan(0);
    const counts = new Map<string, number>();
    for (const value of seen()) counts.set(value, (counts.get(value) ?? 0) + 1);
    expect([...counts].filter(([, count]) => count !== 1)).toEqual([]);
    // The same connection, never closed: the live client saw the freeze only as a pause.
    expect(liveEnded).toBe(false);
  }, 120_000);
});
