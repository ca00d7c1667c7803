import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { grantPrefixAcls } from './acls.js';
import { brokerProperties, log4jProperties } from './broker-properties.js';
import { logSize, runKafkaTool, startBrokerJvm, stopJvm, waitForLogLine, type JavaLaunch } from './broker-process.js';
import { createBrokerTls } from './certificates.js';
import { LocalKafkaError } from './errors.js';
import { freeListenPorts } from './listen-port.js';
import { ensureKafkaJars, requireJava } from './kafka-jars.js';
import { waitUntilClientsCanConnect } from './wait-for-clients.js';
import { writeBindingDir } from './write-binding-dir.js';

/** A SCRAM user of the local broker, limited to topics and groups that start with its prefix. */
export interface KafkaUser {
  readonly username: string;
  readonly password: string;
  readonly topicPrefix: string;
}

export interface LocalKafkaOptions {
  /** Where the broker keeps data, certificates and its log (default: a new temp folder, removed by stop()). */
  readonly dataDir?: string;
  /** Where the binding Secret's files are written (default: `<dataDir>/binding`). */
  readonly bindingDir?: string;
  /** The user the binding is for (default `demo`, so topics start with `demo-`). */
  readonly username?: string;
  /** More users, each with its own prefix, for tests of refused access (default `other`). */
  readonly extraUsers?: readonly string[];
  /** Progress lines (fetching jars, starting); silent by default. */
  readonly log?: (line: string) => void;
  readonly startTimeoutMs?: number;
  /** Called if the broker's JVM ends without stop() or kill() asking it to (a crash). */
  readonly onUnexpectedExit?: (how: string) => void;
}

/** A running broker and its binding. */
export interface LocalKafka {
  /** The directory holding the Secret's keys: point `KAFKA_BINDING_DIR` here. */
  readonly bindingDir: string;
  /** The SASL_SSL bootstrap address clients use. */
  readonly brokers: readonly string[];
  /** A PLAINTEXT listener with super-user rights, for test set-up only. */
  readonly adminBroker: string;
  /** The binding's user. */
  readonly user: KafkaUser;
  readonly extraUsers: readonly KafkaUser[];
  readonly caPem: string;
  readonly logFile: string;
  readonly dataDir: string;
  /** Stops the broker cleanly and starts it again with the same data, ports and users. */
  restart(): Promise<void>;
  /** Kills the broker at once (SIGKILL), as a crash would; `start()` brings it back. */
  kill(): Promise<void>;
  /** Starts a stopped or killed broker again with the same data, ports and users. */
  start(): Promise<void>;
  /** Stops the broker; no JVM outlives it. Removes the data directory if it was a temp one. */
  stop(): Promise<void>;
}

export const SECRET_NAME = 'local-kafka';

/**
 * Starts a real single-node Apache Kafka (KRaft) shaped like the hosted shared plan: SASL_SSL
 * with SCRAM-SHA-256 on a private CA and prefix ACLs, and writes its binding directory.
 * Resolves once an authenticated client can talk to it.
 */
export async function startLocalKafka(options: LocalKafkaOptions = {}): Promise<LocalKafka> {
  const log = options.log ?? (() => {});
  await requireJava();
  const classpath = await ensureKafkaJars(log);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'local-kafka-')));
  mkdirSync(dataDir, { recursive: true });
  // A data directory of an earlier run holds a formatted log with other users' passwords:
  // every start is a fresh broker (restart() within one run keeps the data).
  for (const stale of ['log', 'tls', 'broker.log', 'server.properties']) rmSync(join(dataDir, stale), { recursive: true, force: true });
  const bindingDir = resolve(options.bindingDir ?? join(dataDir, 'binding'));
  const logFile = join(dataDir, 'broker.log');
  const launch: JavaLaunch = { classpath, logFile, log4jConfig: join(dataDir, 'log4j2.properties') };
  writeFileSync(launch.log4jConfig, log4jProperties(logFile));

  const user = newUser(options.username ?? 'demo');
  const extraUsers = (options.extraUsers ?? ['other']).map(newUser);
  // Below the ephemeral range: a port from it can be taken as a client's source port before the broker binds it (or while it restarts).
  const [clientPort = 0, adminPort = 0, controllerPort = 0] = await freeListenPorts(3);
  const tls = await createBrokerTls(join(dataDir, 'tls'));
  const propertiesFile = join(dataDir, 'server.properties');
  writeFileSync(propertiesFile, brokerProperties({ dataDir, keystoreFile: tls.keystoreFile, clientPort, adminPort, controllerPort }));

  log(`Formatting Kafka storage in ${dataDir} ...`);
  await runKafkaTool(launch, 'kafka.tools.StorageTool', [
    'format', '-t', clusterId(), '-c', propertiesFile,
    ...[user, ...extraUsers].flatMap((u) => ['--add-scram', `SCRAM-SHA-256=[name=${u.username},password=${u.password}]`]),
  ]);

  const brokers = [`127.0.0.1:${clientPort}`];
  const adminBroker = `127.0.0.1:${adminPort}`;
  writeBindingDir(bindingDir, {
    brokers: brokers.join(','),
    username: user.username,
    password: user.password,
    ca: tls.caPem,
    topicPrefix: user.topicPrefix,
    name: SECRET_NAME,
  });

  let jvm: ChildProcess | undefined;
  const killOnExit = (): void => void jvm?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const boot = async (): Promise<void> => {
    log(`Starting Kafka on ${brokers.join(',')} (log: ${logFile}) ...`);
    const from = logSize(logFile);
    jvm = startBrokerJvm(launch, propertiesFile);
    const started = jvm;
    started.once('exit', (code, signal) => {
      if (jvm === started) options.onUnexpectedExit?.(`${signal ?? `code ${code}`}`);
    });
    const timeoutMs = options.startTimeoutMs ?? 90_000;
    await waitForLogLine(jvm, logFile, 'Kafka Server started', timeoutMs, from);
    await waitUntilClientsCanConnect(bindingDir, timeoutMs, logFile);
  };
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const running = jvm;
    jvm = undefined;
    if (running) await stopJvm(running, 15_000, signal);
  };

  try {
    await boot();
    for (const u of [user, ...extraUsers]) await grantPrefixAcls(adminBroker, u.username, u.topicPrefix);
  } catch (error) {
    await halt('SIGKILL');
    process.off('exit', killOnExit);
    throw error instanceof LocalKafkaError ? error : new LocalKafkaError(`the broker did not become usable: ${String(error)}`, logFile);
  }
  log(`Kafka is ready: KAFKA_BINDING_DIR=${bindingDir}`);

  return {
    bindingDir,
    brokers,
    adminBroker,
    user,
    extraUsers,
    caPem: tls.caPem,
    logFile,
    dataDir,
    restart: async () => {
      await halt('SIGTERM');
      await boot();
    },
    kill: () => halt('SIGKILL'),
    start: async () => {
      if (!jvm) await boot();
    },
    stop: async () => {
      await halt('SIGTERM');
      process.off('exit', killOnExit);
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function newUser(username: string): KafkaUser {
  // base64url has no ',' or '=', which would break the --add-scram argument.
  return { username, password: randomBytes(18).toString('base64url'), topicPrefix: `${username}-` };
}

/** A KRaft cluster id: a base64url UUID that does not start with '-' (it would read as an option). */
export function clusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
