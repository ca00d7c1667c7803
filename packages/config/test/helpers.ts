import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaConfig } from 'kafkajs';
import { expect } from 'vitest';
import {
  ConfigError,
  loadKafkaBinding,
  type KafkaBinding,
  type ResourceNames,
} from '../src/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The walkthrough's Secret, mounted the way the kubelet lays it out (`..data` and links). */
export const WALKTHROUGH_DIR = join(FIXTURES, 'walkthrough-secret');
/** A servicebinding.io root holding one `kafka` and one `postgresql` binding. */
export const SERVICE_BINDING_ROOT = join(FIXTURES, 'service-binding-root');
export const SECOND_CA_FILE = join(FIXTURES, 'second-ca.pem');

/** The password of every fixture: distinctive so that a leak into any text can be searched for. */
export const PASSWORD = 's3cr3t-PASSWORD-value';

export const WALKTHROUGH_BROKERS = [
  'moped-01.srvs.cloudkafka.com:9094',
  'moped-02.srvs.cloudkafka.com:9094',
  'moped-03.srvs.cloudkafka.com:9094',
];
export const CA_PEM = readFileSync(join(WALKTHROUGH_DIR, 'ca'), 'utf8');
export const SECOND_CA_PEM = readFileSync(SECOND_CA_FILE, 'utf8');

/** The walkthrough Secret's files as they are mounted, trailing newlines included. */
export function walkthroughFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const key of ['brokers', 'username', 'password', 'ca', 'topicPrefix', 'name']) {
    files[key] = readFileSync(join(WALKTHROUGH_DIR, key), 'utf8');
  }
  return files;
}

/** The names the tests' app asks for unless a test says otherwise. */
export const TEST_NAMES: ResourceNames = {
  topic: 'default',
  groupId: 'consumer',
  clientId: 'test-client',
};

/** {@link loadKafkaBinding} for the test app's names (or the ones given). */
export function load(
  env: Readonly<Record<string, string | undefined>>,
  names: Partial<ResourceNames> = {},
): KafkaBinding {
  return loadKafkaBinding(env, { ...TEST_NAMES, ...names });
}

const tempDirs: string[] = [];

/** A fresh directory under the OS temp dir, removed by {@link removeTempDirs}. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-config-test-'));
  tempDirs.push(dir);
  return dir;
}

/** Call from afterEach: tests must not leave binding directories behind. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function writeFiles(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}

/** A plain binding directory: one file per entry, content written exactly as given. */
export function bindingDir(files: Record<string, string>): string {
  const dir = tempDir();
  writeFiles(dir, files);
  return dir;
}

/** A servicebinding.io root: one sub-directory per binding. */
export function serviceBindingRoot(bindings: Record<string, Record<string, string>>): string {
  const root = tempDir();
  for (const [name, files] of Object.entries(bindings)) writeFiles(join(root, name), files);
  return root;
}

export interface KubernetesSecretDir {
  readonly dir: string;
  /** Replaces the Secret's content the way the kubelet does: one rename of the `..data` link. */
  swap(files: Record<string, string>): void;
}

/**
 * A Secret volume as the kubelet writes it: the files live in a timestamped hidden directory,
 * `..data` links to it and each key is a link through `..data`, so an update is atomic.
 */
export function kubernetesSecretDir(files: Record<string, string>): KubernetesSecretDir {
  const dir = tempDir();
  let generation = 0;
  let current: string | undefined;
  const swap = (next: Record<string, string>): void => {
    const versioned = `..2026_11_25_00_00_${String(generation++).padStart(2, '0')}.000000000`;
    writeFiles(join(dir, versioned), next);
    symlinkSync(versioned, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const name of Object.keys(next)) {
      if (!existsSync(join(dir, name))) symlinkSync(join('..data', name), join(dir, name));
    }
    if (current) rmSync(join(dir, current), { recursive: true });
    current = versioned;
  };
  swap(files);
  return { dir, swap };
}

export interface PasswordSasl {
  readonly mechanism: string;
  readonly username: string;
  readonly password: string;
}

/** The SASL options of a kafkajs config, narrowed to the username/password mechanisms. */
export function saslOf(config: KafkaConfig): PasswordSasl {
  const { sasl } = config;
  if (!sasl || !('password' in sasl))
    throw new Error(`expected username/password SASL, got ${JSON.stringify(sasl)}`);
  return sasl;
}

/** Runs `load`, expecting a ConfigError, and returns it after checking it leaks no password. */
export function configErrorFrom(load: () => unknown): ConfigError {
  expect(load).toThrow(ConfigError);
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) {
      expectNoPassword(error.message);
      expectNoPassword(error.stack ?? '');
      return error;
    }
  }
  throw new Error('unreachable: toThrow(ConfigError) passed');
}

export function expectNoPassword(text: string, password = PASSWORD): void {
  expect(text).not.toContain(password);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Where each key of the walkthrough Secret is read from: its link in the mounted directory. */
export function walkthroughSources(): Record<string, string> {
  const keys = ['brokers', 'username', 'password', 'ca', 'topicPrefix', 'name'];
  return Object.fromEntries(keys.map((key) => [key, `file ${join(WALKTHROUGH_DIR, key)}`]));
}

/** The client certificate fixtures: a certificate for CN=demo-user, its key, another key, the key encrypted. */
export const CLIENT_TLS = {
  cert: readFileSync(join(FIXTURES, 'client-tls', 'client.crt'), 'utf8'),
  key: readFileSync(join(FIXTURES, 'client-tls', 'client.key'), 'utf8'),
  otherKey: readFileSync(join(FIXTURES, 'client-tls', 'other.key'), 'utf8'),
  encryptedKey: readFileSync(join(FIXTURES, 'client-tls', 'encrypted.key'), 'utf8'),
  certFile: join(FIXTURES, 'client-tls', 'client.crt'),
  keyFile: join(FIXTURES, 'client-tls', 'client.key'),
};

/** The body of a PEM key, which no message may contain (the armour lines alone are no secret). */
export function keyBody(pem: string): string {
  return pem
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('-----'))
    .slice(1, 3)
    .join('\n');
}

/**
 * The files `kubectl create secret generic NAME --from-env-file=FILE` makes from a Java client's
 * properties file: one key per `key=value` line (the value taken as is), comments and blank lines skipped.
 */
export function secretFromEnvFile(text: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const equals = trimmed.indexOf('=');
    if (equals === -1) throw new Error(`not a key=value line: ${line}`);
    files[trimmed.slice(0, equals)] = trimmed.slice(equals + 1);
  }
  return files;
}
