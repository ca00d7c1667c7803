import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { NOT_YET_PASSWORD } from '../support/rotating-binding.js';
import { startLocalKafkaOrCluster, type LocalKafka } from '@demo-kafka/local-kafka';
import { writeSecurityBindings, type SecurityBindings } from '../support/security-bindings.js';

/** What the kafka test project gets from the one broker started for the whole run. */
export interface ProvidedKafka {
  readonly bindingDir: string;
  readonly brokers: readonly string[];
  readonly mtlsBrokers: readonly string[];
  readonly adminBroker: string;
  readonly username: string;
  readonly password: string;
  readonly topicPrefix: string;
  readonly other: {
    readonly username: string;
    readonly password: string;
    readonly topicPrefix: string;
  };
  readonly caPem: string;
  readonly logFile: string;
  /** A binding directory for each binding format and security mode the broker serves. */
  readonly bindings: SecurityBindings;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: ProvidedKafka;
    /** Every app the tests run logs here (debug level), for the secret scan at the end of the run. */
    testLogFile: string;
  }
}

let kafka: LocalKafka | undefined;
let bindings: SecurityBindings = {};
const testLogFile = join(tmpdir(), `demo-kafka-test-logs-${randomUUID()}.ndjson`);

/** Passwords the tests use on purpose (wrong ones included), which no log line may hold. */
const TEST_SECRET_PATTERNS = [
  /wrong-[0-9a-f]{8}-[0-9a-f]{4}/,
  new RegExp(NOT_YET_PASSWORD),
  /tok-[0-9a-f]{8}-[0-9a-f]{4}/,
  // Any signed JWT (access tokens of the auth tests): no app may log a bearer token.
  /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/,
];

/** TEST_KAFKA_BROKERS=3 runs the whole kafka project against a three-broker cluster (default: one broker). */
const brokers = Number(process.env.TEST_KAFKA_BROKERS ?? 1);

export async function setup(project: TestProject): Promise<void> {
  kafka = await startLocalKafkaOrCluster({
    brokers,
    log: (line) => console.log(`[local-kafka] ${line}`),
  });
  const other = kafka.extraUsers[0];
  if (!other) throw new Error('local-kafka started without its second user');
  bindings = writeSecurityBindings(kafka);
  project.provide('kafka', {
    bindingDir: kafka.bindingDir,
    brokers: kafka.brokers,
    mtlsBrokers: kafka.mtlsBrokers,
    adminBroker: kafka.adminBroker,
    username: kafka.user.username,
    password: kafka.user.password,
    topicPrefix: kafka.user.topicPrefix,
    other: { ...other },
    caPem: kafka.caPem,
    logFile: kafka.logFile,
    bindings,
  });
  project.provide('testLogFile', testLogFile);
}

export async function teardown(): Promise<void> {
  const secrets = kafka
    ? [kafka.user.password, ...kafka.extraUsers.map((u) => u.password), ...clientKeyLines(bindings)]
    : [];
  await kafka?.stop();
  kafka = undefined;
  scanLogsForSecrets(secrets);
}

/** Fails the run if any line any app logged holds a password: the apps promise never to log one. */
function scanLogsForSecrets(secrets: readonly string[]): void {
  if (!existsSync(testLogFile)) return;
  const lines = readFileSync(testLogFile, 'utf8').split('\n');
  rmSync(testLogFile, { force: true });
  const leaks = lines.filter(
    (line) =>
      secrets.some((secret) => line.includes(secret)) ||
      TEST_SECRET_PATTERNS.some((p) => p.test(line)),
  );
  console.log(
    `[secret scan] ${lines.length} log lines written by the apps during the run, ${leaks.length} holding a secret`,
  );
  if (leaks.length > 0) {
    const message = `[secret scan] FAILED: a secret is in ${leaks.length} log lines, e.g. (masked): ${leaks[0]?.slice(0, 300).replace(/[A-Za-z0-9_-]{20,}/g, '***')}`;
    // vitest only logs an error thrown by a global teardown; the exit code must say it too.
    process.exitCode = 1;
    console.error(message);
    throw new Error(message);
  }
}

/** A line from the middle of each client private key the mutual-TLS bindings hold: no log may show one. */
function clientKeyLines(dirs: SecurityBindings): string[] {
  return Object.values(dirs).flatMap((dir) =>
    ['key', 'user.key', 'ssl.keystore.key']
      .map((name) => join(dir, name))
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file, 'utf8').split('\n')[2] ?? '')
      .filter((line) => line.length >= 40),
  );
}
