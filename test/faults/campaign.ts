import { startLocalKafkaCluster, type LocalKafkaCluster } from '@demo-kafka/local-kafka';
import type { Logger } from '@demo-kafka/app-kit';
import { buildConsumer, type TestConsumer } from '../../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../../apps/producer/test/build-producer.js';
import { producerSettingsSpec } from '../../apps/producer/src/settings.js';
import { listen, type Listening } from '../support/listen.js';
import { leadersOf } from './partition-leaders.js';
import { createTopicAsAdmin } from '../support/create-topic.js';
import { groupCoordinatorOf } from '../support/group-coordinator.js';
import { waitFor } from '../support/wait-for.js';
import { check, type CheckResult } from './checker.js';
import { canPartition } from './loopback-partition.js';
import {
  drawFault,
  nemesis,
  singleBrokerFaults,
  type FaultKind,
  type FaultWindow,
  type ScheduleOptions,
} from './nemesis.js';
import { postClients, KEYS, type PostRecord } from './post-clients.js';
import { readTopicWithJava } from './read-topic-java.js';
import { seededRandom } from './seeded-random.js';
import { streamClient, type StreamClient } from './stream-clients.js';

/** The producer's default produce timeout: the campaign holds the apps to what users get. */
export const PRODUCE_TIMEOUT_MS = Number(producerSettingsSpec.PRODUCE_TIMEOUT_MS.default);
const TOPIC = 'campaign';
/** How long a client goes on retrying one value. */
const RETRY_FOR_MS = 90_000;
const PARTITIONS = 6;

export interface CampaignOptions {
  readonly seed: number;
  /** Single-broker faults to run (the two-down window comes on top), or a time budget. */
  readonly faults?: number;
  readonly minutes?: number;
  readonly schedule?: Partial<Omit<ScheduleOptions, 'brokers' | 'kinds'>>;
  /** Leave these single-broker faults out (the short campaign leaves out the slow rolling restart). */
  readonly without?: readonly FaultKind[];
  /** POST clients, each posting every `intervalMs`. */
  readonly postClients?: number;
  readonly intervalMs?: number;
  readonly log?: (line: string) => void;
  /** The apps' logger (the tests' own, whose file is scanned for secrets; a file of the run's for the CLI). */
  readonly appLogger: (name: string) => Logger;
}

export interface CampaignResult {
  readonly seed: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly faults: readonly FaultWindow[];
  readonly posts: readonly PostRecord[];
  readonly check: CheckResult;
  readonly produceTimeoutMs: number;
  /** Steps of the nemesis that failed (the run ended early); their window counts as a fault. */
  readonly nemesisErrors: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fault campaign on a fresh three-broker cluster: steady keyed and keyless POSTs, two consumer
 * replicas with four SSE clients each (two filtered by key, two of them hanging up and resuming
 * with Last-Event-ID now and then), faults drawn from `seed` one after another with a healing
 * time between them and one two-down window, then the topic read back and every
 * acknowledgement and delivery checked.
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const log = options.log ?? console.log;
  // The schedule has a generator of its own: the workload draws from another, at times that vary.
  const random = seededRandom(options.seed);
  const workloadRandom = seededRandom(options.seed ^ 0x5bd1e995);
  const partitions = canPartition();
  if (!partitions)
    log(
      '[faults] iptables is not usable here (root and iptables needed): no network partitions in this run',
    );
  const schedule: ScheduleOptions = {
    brokers: 3,
    holdMs: options.schedule?.holdMs ?? [6_000, 15_000],
    healMs: options.schedule?.healMs ?? [3_000, 8_000],
    twoDownMs: options.schedule?.twoDownMs ?? PRODUCE_TIMEOUT_MS + 4_000,
    kinds: singleBrokerFaults(partitions).filter((kind) => !(options.without ?? []).includes(kind)),
  };
  const count = options.faults ?? Number.POSITIVE_INFINITY;
  const endBy =
    options.minutes === undefined
      ? Number.POSITIVE_INFINITY
      : Date.now() + options.minutes * 60_000;
  // The two-down window: a random place among the first faults (by count), or about 40% in (by time).
  const twoDownAt = Number.isFinite(count) ? random.int(0, count) : -1;
  log(
    `[faults] seed ${options.seed} (replay: npm run faults -- --seed ${options.seed}${options.minutes ? ` --minutes ${options.minutes}` : ` --faults ${count}`})`,
  );

  let cluster: LocalKafkaCluster | undefined;
  let producer: TestProducer | undefined;
  let producerServer: Listening | undefined;
  const consumers: TestConsumer[] = [];
  const clients: StreamClient[] = [];
  const windows: FaultWindow[] = [];
  const nemesisErrors: string[] = [];
  let chaos: ReturnType<typeof nemesis> | undefined;
  try {
    cluster = await startLocalKafkaCluster({ brokers: 3, username: 'nemesis' });
    const topic = `${cluster.user.topicPrefix}${TOPIC}`;
    // Kafka's default assignment puts the leaders of 6 partitions 2 on each of the 3 brokers.
    await createTopicAsAdmin(
      cluster.adminBroker,
      { topic, numPartitions: PARTITIONS, replicationFactor: 3 },
      false,
    );
    // On a loaded machine the metadata can lag the creation ("does not host this topic-partition").
    let leaders: Record<number, number> = {};
    for (const deadline = Date.now() + 60_000; ; await sleep(500)) {
      leaders = await leadersOf(cluster, topic).catch(() => ({}));
      if (Object.values(leaders).filter((leader) => leader > 0).length === PARTITIONS) break;
      if (Date.now() > deadline)
        throw new Error(
          `${topic} has no leader for every partition within 60 s: ${JSON.stringify(leaders)}`,
        );
    }
    log(`[faults] leaders of ${topic}: ${JSON.stringify(leaders)}`);
    const env = { KAFKA_BINDING_DIR: cluster.bindingDir, TOPIC, REPLAY_SIZE: '1000000' };
    producer = await buildProducer(env, true, options.appLogger('producer'));
    producerServer = await listen(producer.app);
    consumers.push(
      await buildConsumer(env, true, options.appLogger('consumer-0')),
      await buildConsumer(env, true, options.appLogger('consumer-1')),
    );
    // Where each replica's group is coordinated decides what a cut of that broker does to its stream.
    const { adminBroker } = cluster;
    const coordinators = await Promise.all(
      consumers.map((c) => groupCoordinatorOf(adminBroker, c.source.groupId).catch(() => -1)),
    );
    log(
      `[faults] group coordinators of the consumer replicas: ${coordinators.map((node, i) => `r${i} node ${node}`).join(', ')}`,
    );
    for (const [i, consumer] of consumers.entries()) {
      const url = `${consumer.url}/messages`;
      clients.push(
        await streamClient(url, { name: `r${i}-all`, random: workloadRandom }),
        await streamClient(url, {
          name: `r${i}-all-resuming`,
          resumeEveryMs: [5_000, 20_000],
          random: workloadRandom,
        }),
        await streamClient(url, {
          name: `r${i}-key-${KEYS[2 * i]}`,
          key: KEYS[2 * i],
          random: workloadRandom,
        }),
        await streamClient(url, {
          name: `r${i}-key-${KEYS[2 * i + 1]}-resuming`,
          key: KEYS[2 * i + 1],
          resumeEveryMs: [5_000, 20_000],
          random: workloadRandom,
        }),
      );
    }
    const ready = (): boolean =>
      (producer?.sink.readiness().ready ?? false) &&
      consumers.every((c) => c.source.readiness().ready);
    const startedAt = Date.now();
    const load = postClients(producerServer.url, {
      clients: options.postClients ?? 4,
      intervalMs: options.intervalMs ?? 80,
      giveUpMs: PRODUCE_TIMEOUT_MS + 5_000,
      run: String(options.seed),
      random: workloadRandom,
      // As an HTTP client library would: every answer but 200 (and 422) is tried again with the
      // same Idempotency-Key, long enough to outlast a two-down window and a lapsed claim.
      retryForMs: RETRY_FOR_MS,
    });
    let posts: PostRecord[] = [];
    chaos = nemesis(cluster, log);
    try {
      await sleep(3_000);
      for (let index = 0; index < count + (twoDownAt >= 0 ? 1 : 0) && Date.now() < endBy; index++) {
        const twoDownNow =
          twoDownAt >= 0
            ? twoDownAt
            : windows.length > 0 &&
                !windows.some((w) => w.kind === 'two-down') &&
                Date.now() > startedAt + 0.4 * (endBy - startedAt)
              ? index
              : -1;
        const fault = drawFault(random, index, twoDownNow, schedule);
        try {
          const healed = await chaos.run(fault);
          await cluster.waitUntilWhole(120_000);
          await waitFor(
            ready,
            60_000,
            () => 'the apps were not ready within 60 s of the cluster being whole',
          );
          windows.push({ ...healed, wholeAt: Date.now() });
        } catch (error) {
          // The nemesis itself failed (on a loaded machine a JVM can take minutes to start): the
          // run ends here, and what it did so far is still checked.
          nemesisErrors.push(`${fault.kind} of node ${fault.node}: ${String(error).slice(0, 300)}`);
          log(`[faults] the nemesis failed, ending the run: ${nemesisErrors.at(-1)}`);
          const from = windows.at(-1)?.wholeAt ?? startedAt;
          windows.push({
            kind: fault.kind,
            nodes: [fault.node],
            from,
            healedAt: Date.now(),
            wholeAt: Date.now(),
          });
          await Promise.allSettled(
            cluster.nodes.filter((n) => !n.running).map((n) => n.start(300_000)),
          );
          await cluster.waitUntilWhole(300_000).catch(() => undefined);
          break;
        }
        await sleep(fault.healMs);
      }
    } finally {
      posts = await load.stop();
    }
    // Every SSE client has had the time to receive everything acknowledged of its filter (the checker says what is missing).
    const acked = posts.filter((p) => p.status === 200);
    const caughtUp = (): boolean =>
      clients.every((c) => {
        const l = c.log();
        const got = new Set(l.events.map((e) => e.data));
        return acked.every((p) => (l.key !== undefined && p.key !== l.key) || got.has(p.value));
      });
    for (const deadline = Date.now() + 30_000; !caughtUp(); await sleep(500)) {
      if (Date.now() > deadline) {
        log('[faults] not every SSE client caught up within 30 s');
        break;
      }
    }
    const topicRecords = await readTopicWithJava(cluster.adminBroker, topic);
    const logs = clients.map((c) => c.log());
    return {
      seed: options.seed,
      startedAt,
      endedAt: Date.now(),
      faults: windows,
      posts,
      check: check({
        posts,
        topic: topicRecords,
        clients: logs,
        faults: windows,
        produceTimeoutMs: PRODUCE_TIMEOUT_MS,
      }),
      produceTimeoutMs: PRODUCE_TIMEOUT_MS,
      nemesisErrors,
    };
  } finally {
    chaos?.close();
    clients.forEach((c) => {
      c.close();
    });
    await Promise.allSettled(consumers.map((c) => c.close()));
    await producerServer?.close();
    await producer?.close();
    await cluster?.stop();
  }
}
