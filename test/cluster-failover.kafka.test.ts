import {
  BROKER_SESSION_TIMEOUT_MS,
  startLocalKafkaCluster,
  type LocalKafkaCluster,
} from '@demo-kafka/local-kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { producerSettingsSpec } from '../apps/producer/src/settings.js';
import { faultWindow, type FaultReport } from './support/fault-window.js';
import { listen, type Listening } from './support/listen.js';
import { resumingStream, type ResumingStream } from './support/resuming-stream.js';
import { waitFor } from './support/wait-for.js';

/** The producer's default: the tests hold the apps to the timeout users get. */
const PRODUCE_TIMEOUT_MS = Number(producerSettingsSpec.PRODUCE_TIMEOUT_MS.default);
/** A POST every 20 ms: a steady stream that a 2-core machine keeps up with beside three JVMs. */
const INTERVAL_MS = 20;
/** How much longer than the produce timeout a POST may take: HTTP, scheduling on a busy machine. */
const SLACK_MS = 1_500;
const TOPIC = 'failover';

const reports: FaultReport[] = [];

// One cluster for every scenario, in sequence: three JVMs are what this machine can afford once.
describe('three brokers: faults under a steady stream of POSTs, with a client resuming by Last-Event-ID', () => {
  let cluster: LocalKafkaCluster;
  let producer: TestProducer;
  let producerServer: Listening;
  let consumer: TestConsumer;
  let stream: ResumingStream;
  const topic = (): string => `${cluster.user.topicPrefix}${TOPIC}`;
  const ready = (): boolean => producer.sink.readiness().ready && consumer.source.readiness().ready;
  const run = (name: string, fault: () => Promise<void>): Promise<FaultReport> =>
    faultWindow({
      name,
      producerUrl: producerServer.url,
      stream,
      ready,
      intervalMs: INTERVAL_MS,
      produceTimeoutMs: PRODUCE_TIMEOUT_MS,
      fault,
      whole: () => cluster.waitUntilWhole(90_000),
    }).then((report) => {
      reports.push(report);
      console.log(
        `[failover] ${JSON.stringify({ ...report, outcomes: undefined, other: report.other.length, notExactlyOnce: report.notExactlyOnce.length, duplicates: report.duplicates.length })}`,
      );
      return report;
    });
  /** What every scenario must show, whatever it did to the cluster. */
  const expectNothingLostTwiceOrHung = (report: FaultReport): void => {
    expect(report.other, 'answers other than 200/503, or hangs').toEqual([]);
    expect(report.slowestMs).toBeLessThan(PRODUCE_TIMEOUT_MS + SLACK_MS);
    expect(report.notExactlyOnce, 'acknowledged values not streamed exactly once').toEqual([]);
    expect(report.duplicates).toEqual([]);
    // (Both apps ready within 15 s of the cluster being whole: faultWindow fails the run otherwise.)
    expect(report.ok).toBeGreaterThan(20);
  };

  /**
   * A leader killed or frozen: most runs see no 503. The cluster keeps that leader in its metadata
   * until it fences it, and kafkajs counts its retries rather than timing them, so on a loaded
   * machine the retries can run out first and the POSTs of that stretch get 503 (seen once each in
   * CI: a kill, 427 over 8.7 s; a freeze, 15 over 318 ms). Their span, first to last, stays within
   * the fencing plus one produce timeout; the run's report line gives the count.
   */
  const expectOnlyWhileFenced = (report: FaultReport): void => {
    expectNothingLostTwiceOrHung(report);
    expect(report.reconnects).toBe(0);
    expect(report.unavailableWindowMs).toBeLessThan(BROKER_SESSION_TIMEOUT_MS + PRODUCE_TIMEOUT_MS);
  };

  beforeAll(async () => {
    cluster = await startLocalKafkaCluster({ brokers: 3, username: 'fail' });
    // A replay buffer larger than everything posted: any resume must be exact, never a gap.
    const env = { KAFKA_BINDING_DIR: cluster.bindingDir, TOPIC, REPLAY_SIZE: '100000' };
    producer = await buildProducer(env);
    producerServer = await listen(producer.app);
    consumer = await buildConsumer(env);
    stream = await resumingStream(`${consumer.url}/messages`);
  }, 180_000);
  afterAll(async () => {
    stream?.close();
    await consumer?.close();
    await producerServer?.close();
    await producer?.close();
    await cluster?.stop();
    console.log(
      `[failover] summary\n${reports.map((r) => `  ${r.name}: ${r.ok} ok, ${r.unavailable} x 503 over ${r.unavailableWindowMs} ms (longest ${r.longest503Ms} ms), slowest POST ${r.slowestMs} ms, ready ${r.readyAfterWholeMs} ms after whole, stream lag up to ${r.longestStreamLagMs} ms`).join('\n')}`,
    );
  }, 60_000);

  it('the apps made the topic with the cluster replication factor, and it starts whole', async () => {
    await cluster.waitUntilWhole();
    const admin = new (await import('@demo-kafka/kafka-client')).Kafka({
      brokers: [cluster.adminBroker],
      logLevel: 0,
    }).admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic()] });
    await admin.disconnect();
    expect(topics[0]?.partitions.map((p) => p.replicas.length)).toEqual([3]);
    expect(cluster.activeController()).toBeDefined();
  });

  it('rolling restart (SIGTERM each broker in turn, rejoin before the next): no 503', async () => {
    const report = await run('rolling', async () => {
      for (const node of cluster.nodes) {
        await node.stop();
        await node.start();
        await cluster.waitUntilWhole(90_000);
      }
    });
    expectNothingLostTwiceOrHung(report);
    expect(report.reconnects).toBe(0);
    expect(report.unavailable).toBe(0);
  }, 300_000);

  it('the partition leader is SIGKILLed, and restarted later: 503s, if any, only while the dead leader is fenced', async () => {
    const report = await run('leader-kill', async () => {
      const leader = cluster.node(await cluster.leaderOf(topic()));
      await leader.kill();
      await expect
        .poll(() => cluster.leaderOf(topic()), { timeout: 20_000, interval: 250 })
        .not.toBe(leader.id);
      await expect
        .poll(() => cluster.leaderOf(topic()), { timeout: 20_000, interval: 250 })
        .not.toBe(-1);
      // Writes continue on the new leader for a while before the old one comes back.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await leader.start();
    });
    expectOnlyWhileFenced(report);
  }, 300_000);

  it('the active controller is SIGKILLed: no 503', async () => {
    const report = await run('controller-kill', async () => {
      const id = cluster.activeController();
      expect(id).toBeDefined();
      const controller = cluster.node(id ?? 0);
      await controller.kill();
      await waitFor(
        () => ![undefined, controller.id].includes(cluster.activeController()),
        20_000,
        () => 'no new active controller',
      );
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await controller.start();
    });
    expectNothingLostTwiceOrHung(report);
    expect(report.reconnects).toBe(0);
    expect(report.unavailable).toBe(0);
  }, 300_000);

  it('the partition leader is frozen (SIGSTOP) for 20 s, then continued: 503s, if any, only while the frozen leader is fenced', async () => {
    const report = await run('leader-freeze', async () => {
      const leader = cluster.node(await cluster.leaderOf(topic()));
      leader.freeze();
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      leader.thaw();
    });
    expectOnlyWhileFenced(report);
  }, 300_000);

  it('two of three brokers stopped (min.insync.replicas unmet): prompt 503s, never a hang or a 200; service resumes when one returns', async () => {
    let down = { from: 0, to: 0 };
    let reasonWhileDown = '';
    const report = await run('two-down', async () => {
      const [first, second] = cluster.nodes.filter(
        (node) => node.id !== cluster.activeController(),
      );
      if (!first || !second) throw new Error('the cluster has fewer than three nodes');
      await first.stop();
      await second.stop();
      const from = Date.now();
      await waitFor(
        () => !producer.sink.readiness().ready,
        PRODUCE_TIMEOUT_MS + SLACK_MS,
        () => 'the producer stayed ready with two brokers down',
      );
      reasonWhileDown = producer.sink.readiness().reason ?? '';
      // Down for longer than the produce timeout, so every POST of the window meets the outage.
      await new Promise((resolve) => setTimeout(resolve, PRODUCE_TIMEOUT_MS));
      down = { from, to: Date.now() };
      await first.start();
      await waitFor(
        () => producer.sink.readiness().ready,
        60_000,
        () => `producer: ${producer.sink.readiness().reason}`,
      );
      await second.start();
    });
    expectNothingLostTwiceOrHung(report);
    // A 200 for a POST that came and went while only one replica was up would not be durable.
    const okWhileDown = report.outcomes.filter(
      (o) => o.status === 200 && o.startedAt >= down.from && o.startedAt + o.ms <= down.to,
    );
    expect(okWhileDown).toEqual([]);
    console.log(`[failover] two-down: the producer's /readyz said "${reasonWhileDown}"`);
    expect(reasonWhileDown).not.toBe('');
    expect(report.unavailable).toBeGreaterThan(0);
    expect(report.longest503Ms).toBeLessThan(PRODUCE_TIMEOUT_MS + SLACK_MS);
  }, 300_000);
});
