import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brokerProperties, log4jProperties } from './broker-properties.js';
import {
  logSize,
  startBrokerJvm,
  stopJvm,
  waitForLogLine,
  type JavaLaunch,
} from './broker-process.js';
import { bindingFiles, type BindingFormat, type BindingMaterial } from './binding-formats.js';
import {
  formatStorage,
  freshDataDir,
  grantEveryUserAcls,
  initialBindingRequest,
  issueClientCertificates,
} from './broker-setup.js';
import { createBrokerTls } from './certificates.js';
import type { ClientCertificate } from './client-certificates.js';
import { LocalKafkaError } from './errors.js';
import { freeListenPorts } from './listen-port.js';
import { ensureKafkaJars, requireJava } from './kafka-jars.js';
import { waitUntilClientsCanConnect } from './wait-for-clients.js';
import { securityModeProperties, type SecurityMode } from './security-modes.js';
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
  /** The shape of the binding directory (default: the walkthrough's Secret). */
  readonly bindingFormat?: BindingFormat;
  /** How the binding directory's client authenticates (default: the format's usual one). */
  readonly security?: SecurityMode;
  /** The binding files' mode (default 0600, private to the user running the broker). */
  readonly bindingMode?: number;
}

/** Which binding {@link LocalKafka.writeBinding} writes. */
export interface BindingRequest {
  readonly format: BindingFormat;
  readonly security: SecurityMode;
  /** Whose credentials (default: the binding's user). */
  readonly username?: string;
  /** The files' mode (default 0600). */
  readonly mode?: number;
}

/** A running broker and its binding. */
export interface LocalKafka {
  /** The directory holding the Secret's keys: point `KAFKA_BINDING_DIR` here. */
  readonly bindingDir: string;
  /** The SASL_SSL bootstrap address clients use (SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN). */
  readonly brokers: readonly string[];
  /** The mutual-TLS bootstrap address (SSL, a client certificate from the clients CA required). */
  readonly mtlsBrokers: readonly string[];
  /** A PLAINTEXT listener with super-user rights, for test set-up only. */
  readonly adminBroker: string;
  /** The binding's user. */
  readonly user: KafkaUser;
  readonly extraUsers: readonly KafkaUser[];
  readonly caPem: string;
  readonly logFile: string;
  readonly dataDir: string;
  /** The (first) broker JVM's process id while it runs (the bench reads its CPU time). */
  readonly pid: number | undefined;
  /** Writes a binding directory for another format, security mode or user of this broker. */
  writeBinding(dir: string, request: BindingRequest): void;
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
  const bindingRequest = initialBindingRequest(options);
  const log = options.log ?? (() => {});
  await requireJava();
  const classpath = await ensureKafkaJars(log);
  // restart() within one run keeps the data; a new start never does.
  const { dataDir, ownsDataDir } = freshDataDir(options.dataDir, 'local-kafka-');
  const bindingDir = resolve(options.bindingDir ?? join(dataDir, 'binding'));
  const logFile = join(dataDir, 'broker.log');
  const launch: JavaLaunch = {
    classpath,
    logFile,
    log4jConfig: join(dataDir, 'log4j2.properties'),
  };
  writeFileSync(launch.log4jConfig, log4jProperties(logFile));

  const user = newUser(options.username ?? 'demo');
  const extraUsers = (options.extraUsers ?? ['other']).map(newUser);
  const users = [user, ...extraUsers];
  // Below the ephemeral range: a port from it can be taken as a client's source port before the
  // broker binds it (or while it restarts).
  const [clientPort = 0, adminPort = 0, controllerPort = 0, mtlsPort = 0] =
    await freeListenPorts(4);
  const tls = await createBrokerTls(join(dataDir, 'tls'));
  const { caFile: clientsCaFile, certificates } = await issueClientCertificates(
    join(dataDir, 'tls', 'clients'),
    users,
  );
  const security = securityModeProperties({ mtlsPort, clientsCaFile, users });
  const propertiesFile = join(dataDir, 'server.properties');
  writeFileSync(
    propertiesFile,
    brokerProperties({
      dataDir,
      keystoreFile: tls.keystoreFile,
      clientPort,
      adminPort,
      controllerPort,
      extraListeners: security.listeners,
      extraProperties: security.properties,
    }),
  );

  log(`Formatting Kafka storage in ${dataDir} ...`);
  await formatStorage(launch, propertiesFile, clusterId(), users);

  const brokers = [`127.0.0.1:${clientPort}`];
  const mtlsBrokers = [`127.0.0.1:${mtlsPort}`];
  const adminBroker = `127.0.0.1:${adminPort}`;
  const writeBinding = bindingWriter({
    users,
    certificates,
    saslBrokers: brokers,
    mtlsBrokers,
    caPem: tls.caPem,
  });
  writeBinding(bindingDir, bindingRequest);

  let jvm: ChildProcess | undefined;
  const killOnExit = (): void => void jvm?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const boot = async (): Promise<void> => {
    // Both listeners, named: which one a binding uses depends on its security mode.
    log(
      `Starting Kafka: SASL_SSL on ${brokers.join(',')}, mutual TLS on ${mtlsBrokers.join(',')} (log: ${logFile}) ...`,
    );
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
    await grantEveryUserAcls(adminBroker, users);
  } catch (error) {
    await halt('SIGKILL');
    process.off('exit', killOnExit);
    throw error instanceof LocalKafkaError
      ? error
      : new LocalKafkaError(`the broker did not become usable: ${String(error)}`, logFile);
  }
  // The caller prints KAFKA_BINDING_DIR=, once, where a user copies it from.
  log('Kafka is ready');

  return {
    bindingDir,
    brokers,
    mtlsBrokers,
    adminBroker,
    writeBinding,
    user,
    extraUsers,
    caPem: tls.caPem,
    logFile,
    dataDir,
    get pid() {
      return jvm?.pid;
    },
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

/**
 * Writes binding directories of a running broker or cluster: any format and security mode, for
 * any of its users (the first is the default).
 */
export function bindingWriter(of: {
  users: readonly KafkaUser[];
  certificates: ReadonlyMap<string, ClientCertificate>;
  saslBrokers: readonly string[];
  mtlsBrokers: readonly string[];
  caPem: string;
}): (dir: string, request: BindingRequest) => void {
  return (dir, request) => {
    const who = of.users.find((u) => u.username === (request.username ?? of.users[0]?.username));
    const certificate = who && of.certificates.get(who.username);
    if (!who || !certificate)
      throw new LocalKafkaError(`local Kafka has no user ${request.username}`);
    const material: BindingMaterial = {
      saslBrokers: of.saslBrokers,
      mtlsBrokers: of.mtlsBrokers,
      caPem: of.caPem,
      ...who,
      certificate,
      name: SECRET_NAME,
    };
    writeBindingDir(dir, bindingFiles(material, request.format, request.security), request.mode);
  };
}

/** A user with a fresh random password whose topics and groups start with `<username>-`. */
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
