import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, type Admin } from '@demo-kafka/kafka-client';
import { brokerProperties, log4jProperties } from './broker-properties.js';
import type { JavaLaunch } from './broker-process.js';
import {
  formatStorage,
  freshDataDir,
  grantEveryUserAcls,
  initialBindingRequest,
  issueClientCertificates,
} from './broker-setup.js';
import { brokerCount } from './brokers-option.js';
import { createBrokerTls } from './certificates.js';
import { LocalKafkaError } from './errors.js';
import { freeListenPorts } from './listen-port.js';
import { ensureKafkaJars, requireJava } from './kafka-jars.js';
import { KafkaNode } from './kafka-node.js';
import {
  bindingWriter,
  clusterId,
  newUser,
  startLocalKafka,
  type LocalKafka,
  type LocalKafkaOptions,
} from './local-kafka.js';
import { securityModeProperties } from './security-modes.js';
import { waitUntilClientsCanConnect } from './wait-for-clients.js';

export interface LocalKafkaClusterOptions extends Omit<LocalKafkaOptions, 'onUnexpectedExit'> {
  /** How many broker+controller nodes (default 3). */
  readonly brokers?: number;
  /** Called if a node's JVM ends without the cluster or a test asking it to. */
  readonly onUnexpectedExit?: (nodeId: number, how: string) => void;
}

/** A running local cluster: a {@link LocalKafka} whose nodes tests can stop, kill, freeze and restart. */
export interface LocalKafkaCluster extends LocalKafka {
  readonly nodes: readonly KafkaNode[];
  /** The node with this `node.id` (1-based). */
  node(id: number): KafkaNode;
  /** The node id that leads `topic`'s partition, as the cluster's metadata says now (-1: none). */
  leaderOf(topic: string, partition?: number): Promise<number>;
  /** The node id of the active KRaft controller, as the running nodes' logs say (undefined while electing). */
  activeController(): number | undefined;
  /** Resolves once every node runs and every partition of every topic has all its replicas in sync. */
  waitUntilWhole(timeoutMs?: number): Promise<void>;
}

/** How long the local cluster keeps a dead broker's leaderships before fencing it (Kafka's default: 9 s). */
export const BROKER_SESSION_TIMEOUT_MS = 4_000;

/**
 * Settings that make three combined nodes one cluster shaped like a managed plan (replication
 * factor 3, min.insync.replicas 2), light enough for a 2-core machine, and quick to notice a
 * dead or frozen node. The timeouts are this local cluster's, not recommendations for production.
 */
function clusterOverrides(
  nodeId: number,
  voters: string,
  size: number,
): Record<string, string | number> {
  const replication = Math.min(3, size);
  const minIsr = Math.min(2, replication);
  return {
    'node.id': nodeId,
    'controller.quorum.voters': voters,
    'default.replication.factor': replication,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': replication,
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': minIsr,
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': minIsr,
    // A killed or frozen broker is fenced (its leaderships move) after 4 s instead of 9 s, and a
    // frozen follower leaves the ISR after 5 s instead of 30 s, so acks=all writes stall that long.
    'broker.session.timeout.ms': BROKER_SESSION_TIMEOUT_MS,
    'broker.heartbeat.interval.ms': 1_000,
    'replica.lag.time.max.ms': 5_000,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 1,
    'num.replica.fetchers': 1,
    'num.recovery.threads.per.data.dir': 1,
  };
}

/** Small heaps, one GC thread and the quick JIT only: three nodes share two cores with the apps. */
const NODE_JVM_OPTIONS = [
  '-Xms64m',
  '-Xmx320m',
  '-XX:ParallelGCThreads=1',
  '-XX:ConcGCThreads=1',
  '-XX:TieredStopAtLevel=1',
];

/**
 * Starts a local KRaft cluster of `brokers` combined broker+controller nodes with the same
 * security, users and ACLs as {@link startLocalKafka}, and writes a binding that lists every
 * node. Resolves once an authenticated client can use it.
 */
export async function startLocalKafkaCluster(
  options: LocalKafkaClusterOptions = {},
): Promise<LocalKafkaCluster> {
  const size = brokerCount(options.brokers ?? 3);
  const bindingRequest = initialBindingRequest(options);
  const log = options.log ?? (() => {});
  await requireJava();
  const classpath = await ensureKafkaJars(log);
  const { dataDir, ownsDataDir } = freshDataDir(options.dataDir, 'local-kafka-cluster-');
  const bindingDir = resolve(options.bindingDir ?? join(dataDir, 'binding'));
  const user = newUser(options.username ?? 'demo');
  const extraUsers = (options.extraUsers ?? ['other']).map(newUser);
  const users = [user, ...extraUsers];
  const tls = await createBrokerTls(join(dataDir, 'tls'));

  // Nodes are stopped and started again on the same ports: keep them out of the ephemeral range.
  const free = await freeListenPorts(size * 4);
  const ports = Array.from({ length: size }, (_, i) => ({
    id: i + 1,
    clientPort: free[i * 4] ?? 0,
    adminPort: free[i * 4 + 1] ?? 0,
    controllerPort: free[i * 4 + 2] ?? 0,
    mtlsPort: free[i * 4 + 3] ?? 0,
  }));
  // Every node speaks every security mode, as the single broker does, with one clients CA.
  const { caFile: clientsCaFile, certificates } = await issueClientCertificates(
    join(dataDir, 'tls', 'clients'),
    users,
  );
  const voters = ports.map((p) => `${p.id}@127.0.0.1:${p.controllerPort}`).join(',');
  const unexpected = options.onUnexpectedExit ?? (() => {});
  const nodes = ports.map((p) => {
    const dir = join(dataDir, `node-${p.id}`);
    mkdirSync(dir, { recursive: true });
    const launch: JavaLaunch = {
      classpath,
      logFile: join(dir, 'broker.log'),
      log4jConfig: join(dir, 'log4j2.properties'),
      jvmOptions: NODE_JVM_OPTIONS,
    };
    writeFileSync(launch.log4jConfig, log4jProperties(launch.logFile));
    const propertiesFile = join(dir, 'server.properties');
    const security = securityModeProperties({ mtlsPort: p.mtlsPort, clientsCaFile, users });
    const layout = {
      dataDir: dir,
      keystoreFile: tls.keystoreFile,
      ...p,
      extraListeners: security.listeners,
      extraProperties: security.properties,
    };
    writeFileSync(propertiesFile, brokerProperties(layout, clusterOverrides(p.id, voters, size)));
    return {
      node: new KafkaNode({ ...p, propertiesFile, launch }, (how) => unexpected(p.id, how)),
      launch,
      propertiesFile,
    };
  });

  log(`Formatting ${size} Kafka nodes in ${dataDir} ...`);
  const id = clusterId();
  await Promise.all(
    nodes.map(({ launch, propertiesFile }) => formatStorage(launch, propertiesFile, id, users)),
  );

  const brokers = nodes.map(({ node }) => node.broker);
  const adminBrokers = nodes.map(({ node }) => node.adminBroker);
  const mtlsBrokers = nodes.map(({ node }) => node.mtlsBroker);
  const writeBinding = bindingWriter({
    users,
    certificates,
    saslBrokers: brokers,
    mtlsBrokers,
    caPem: tls.caPem,
  });
  writeBinding(bindingDir, bindingRequest);

  const all = nodes.map(({ node }) => node);
  const killOnExit = (): void =>
    all.forEach((node) => {
      node.pid !== undefined && process.kill(node.pid, 'SIGKILL');
    });
  process.on('exit', killOnExit);
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const startAll = async (): Promise<void> => {
    await Promise.all(all.map((node) => node.start(timeoutMs)));
    await waitUntilClientsCanConnect(bindingDir, timeoutMs, all[0]?.logFile ?? dataDir);
  };
  const stopAll = (): Promise<void> =>
    Promise.all(all.map((node) => node.stop(5_000))).then(() => undefined);
  const adminOf = (): Admin => {
    const running = all
      .filter((node) => node.running && !node.frozen)
      .map((node) => node.adminBroker);
    return new Kafka({
      clientId: 'local-kafka-cluster',
      brokers: running.length > 0 ? running : adminBrokers,
      logLevel: logLevel.NOTHING,
      requestTimeout: 3_000,
      retry: { retries: 1 },
    }).admin();
  };

  log(
    `Starting ${size} Kafka nodes: SASL_SSL on ${brokers.join(',')}, mutual TLS on ` +
      `${mtlsBrokers.join(',')} (logs: ${dataDir}/node-*/broker.log) ...`,
  );
  try {
    await startAll();
    await grantEveryUserAcls(adminBrokers[0] ?? '', users);
  } catch (error) {
    await Promise.all(all.map((node) => node.kill()));
    process.off('exit', killOnExit);
    throw error instanceof LocalKafkaError
      ? error
      : new LocalKafkaError(`the cluster did not become usable: ${String(error)}`, all[0]?.logFile);
  }
  log(`Kafka (${size} brokers) is ready`);

  const cluster: LocalKafkaCluster = {
    bindingDir,
    brokers,
    mtlsBrokers,
    writeBinding,
    adminBroker: adminBrokers[0] ?? '',
    user,
    extraUsers,
    caPem: tls.caPem,
    logFile: all[0]?.logFile ?? '',
    dataDir,
    get pid() {
      return all[0]?.pid;
    },
    nodes: all,
    node: (nodeId) => {
      const node = all.find((n) => n.id === nodeId);
      if (!node) throw new LocalKafkaError(`the cluster has no node ${nodeId}`);
      return node;
    },
    leaderOf: async (topic, partition = 0) => {
      const admin = adminOf();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        return topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader ?? -1;
      } finally {
        await admin.disconnect();
      }
    },
    activeController: () => activeControllerFromLogs(all),
    waitUntilWhole: async (wholeTimeoutMs = 60_000) => {
      const deadline = Date.now() + wholeTimeoutMs;
      let why = 'not checked yet';
      while (Date.now() < deadline) {
        why = await notWholeBecause(all, adminOf);
        if (why === '') return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new LocalKafkaError(
        `the cluster was not whole within ${wholeTimeoutMs} ms: ${why}`,
        all[0]?.logFile,
      );
    },
    restart: async () => {
      for (const node of all) {
        await node.stop();
        await node.start(timeoutMs);
        await cluster.waitUntilWhole();
      }
    },
    kill: async () => {
      await Promise.all(all.map((node) => node.kill()));
    },
    start: startAll,
    stop: async () => {
      await stopAll();
      process.off('exit', killOnExit);
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Why the cluster is not whole ('' when it is): a node down or frozen, or a partition short of replicas. */
async function notWholeBecause(nodes: readonly KafkaNode[], adminOf: () => Admin): Promise<string> {
  const down = nodes.filter((node) => !node.running || node.frozen).map((node) => node.id);
  if (down.length > 0) return `node ${down.join(', ')} not running`;
  const admin = adminOf();
  try {
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata();
    const short = topics.flatMap((t) =>
      t.partitions
        .filter((p) => p.leader < 0 || p.isr.length < p.replicas.length)
        .map((p) => `${t.name}-${p.partitionId} isr [${p.isr.join(',')}]`),
    );
    return short.length > 0 ? `under-replicated: ${short.slice(0, 3).join('; ')}` : '';
  } catch (error) {
    return `metadata not available (${String(error)})`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * KRaft has no client API for the active controller that kafkajs speaks, so read it from the
 * nodes' own logs: the latest quorum transition of each running node names its epoch and the
 * leader it knows, and the highest epoch wins.
 */
function activeControllerFromLogs(nodes: readonly KafkaNode[]): number | undefined {
  let best: { epoch: number; leader: number | undefined } | undefined;
  for (const node of nodes) {
    if (!node.running || node.frozen || !existsSync(node.logFile)) continue;
    const transitions =
      readFileSync(node.logFile, 'utf8').match(/Completed transition to [A-Za-z]+\(.*/g) ?? [];
    const last = transitions.at(-1);
    if (!last) continue;
    const epoch = Number(/epoch=(\d+)/.exec(last)?.[1] ?? -1);
    const leader = last.startsWith('Completed transition to Leader') ? node.id : leaderIdIn(last);
    if (!best || epoch > best.epoch || (epoch === best.epoch && best.leader === undefined))
      best = { epoch, leader };
  }
  return best?.leader;
}

function leaderIdIn(transition: string): number | undefined {
  if (!transition.startsWith('Completed transition to Follower')) return undefined;
  const id =
    /leader=ReplicaKey\(id=(\d+)/.exec(transition)?.[1] ?? /leaderId=(\d+)/.exec(transition)?.[1];
  return id === undefined ? undefined : Number(id);
}

/**
 * One broker ({@link startLocalKafka}, the default) or a cluster of `brokers` nodes, for the
 * entry points that take a `--brokers` option.
 */
export function startLocalKafkaOrCluster(
  options: LocalKafkaClusterOptions = {},
): Promise<LocalKafka | LocalKafkaCluster> {
  const { brokers = 1, onUnexpectedExit, ...single } = options;
  if (brokers !== 1) return startLocalKafkaCluster(options);
  return startLocalKafka({
    ...single,
    ...(onUnexpectedExit ? { onUnexpectedExit: (how: string) => onUnexpectedExit(1, how) } : {}),
  });
}

/** The cluster's nodes when `kafka` is a cluster (none for a single broker). */
export function nodesOf(kafka: LocalKafka | LocalKafkaCluster): readonly KafkaNode[] {
  return 'nodes' in kafka ? (kafka as LocalKafkaCluster).nodes : [];
}
