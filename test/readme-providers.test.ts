/**
 * "Which Kafka do you have?" (docs/kafka-providers.md and its Japanese translation): every
 * provider's command, run the way kubectl would run it against that provider's fixture, gives a
 * binding the apps read as intended. So a command on the page cannot drift from what the config
 * package accepts.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKafkaBinding, type BindingShape, type KafkaBinding } from '@demo-kafka/config';
import { afterEach, describe, expect, it } from 'vitest';
import { secretFromEnvFile } from '../packages/config/test/helpers.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = join(REPO, 'packages/config/test/fixtures');
const NAMES = { topic: 'default', groupId: 'consumer', clientId: 'readme-check' };
/** The Secret k8s/base mounts into both apps. */
const SECRET_NAME = 'demo-kafka-secret';

/** The files the page's commands name, as the provider's fixture holds them. */
const LOCAL_FILES: Readonly<Record<string, string>> = {
  'client.properties': join(FIXTURES, 'confluent-cloud', 'client.properties'),
  'ca.pem': join(FIXTURES, 'aiven', 'ca'),
  'client.pem': join(FIXTURES, 'client-tls', 'client.crt'),
  'client.key': join(FIXTURES, 'client-tls', 'client.key'),
};

interface Provider {
  /** The fixture directory the provider's binding looks like. */
  readonly fixture: string;
  readonly shape: BindingShape;
  /** What describe() says about TLS and authentication. */
  readonly auth: string;
}

const PROVIDERS: Readonly<Record<string, Provider>> = {
  walkthrough: {
    fixture: 'walkthrough-secret',
    shape: 'walkthrough',
    auth: 'TLS (binding CA), SASL scram-sha-256',
  },
  'servicebinding-io': {
    fixture: 'service-binding-root/orders-kafka',
    shape: 'servicebinding',
    auth: 'TLS (binding CA), SASL scram-sha-512',
  },
  'strimzi-access': {
    fixture: 'strimzi-access-scram',
    shape: 'strimzi-access',
    auth: 'TLS (binding CA), SASL scram-sha-512',
  },
  'strimzi-kafkauser': {
    fixture: 'strimzi-kafkauser-tls',
    shape: 'strimzi-user',
    auth: 'TLS (binding CA), client certificate',
  },
  'confluent-cloud': {
    fixture: 'confluent-cloud',
    shape: 'client-properties',
    auth: 'TLS (system CAs), SASL plain',
  },
  aiven: { fixture: 'aiven', shape: 'walkthrough', auth: 'TLS (binding CA), SASL scram-sha-256' },
  'redpanda-cloud': {
    fixture: 'redpanda-cloud',
    shape: 'walkthrough',
    auth: 'TLS (system CAs), SASL scram-sha-256',
  },
  'msk-scram': {
    fixture: 'msk-scram',
    shape: 'walkthrough',
    auth: 'TLS (system CAs), SASL scram-sha-512',
  },
  'msk-mtls': {
    fixture: 'msk-mtls',
    shape: 'walkthrough',
    auth: 'TLS (system CAs), client certificate',
  },
};

/** `<!-- provider: name -->` followed by a sh block, for each provider in a page. */
function providerCommands(readme: string): Map<string, string[][]> {
  const blocks = new Map<string, string[][]>();
  for (const match of readme.matchAll(/<!-- provider: (\S+) -->\n```sh\n([\s\S]*?)```/g)) {
    const [, name = '', body = ''] = match;
    const lines = body
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((line) => line.trim() !== '');
    blocks.set(name, lines.map(shellWords));
  }
  return blocks;
}

/** Splits a command line into words as sh does for the quoting the page uses (single quotes). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/(?:[^\s']+|'[^']*')+/g)].map(([word]) =>
    word.replace(/'([^']*)'/g, '$1'),
  );
}

const temp: string[] = [];
afterEach(() =>
  temp.splice(0).forEach((dir) => {
    rmSync(dir, { recursive: true, force: true });
  }),
);

/** The Secret `kubectl create secret generic NAME --from-literal/--from-file/--from-env-file` makes, as a mounted directory. */
function createSecret(words: string[]): { name: string; dir: string } {
  const [kubectl, create, secret, generic, name, ...options] = words;
  expect([kubectl, create, secret, generic]).toEqual(['kubectl', 'create', 'secret', 'generic']);
  const files: Record<string, string> = {};
  const local = (path: string): string => {
    const file = LOCAL_FILES[path];
    if (!file) throw new Error(`the page names a file (${path}) the check has no fixture for`);
    return readFileSync(file, 'utf8');
  };
  for (const option of options) {
    const [flag, value = ''] = option.split(/=(.*)/s);
    const [key = '', rest = ''] = value.split(/=(.*)/s);
    if (flag === '--from-literal') files[key] = rest;
    else if (flag === '--from-file') files[key] = local(rest);
    else if (flag === '--from-env-file') Object.assign(files, secretFromEnvFile(local(value)));
    else throw new Error(`kubectl option ${option} is not one this check runs`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'readme-secret-'));
  temp.push(dir);
  for (const [key, content] of Object.entries(files)) writeFileSync(join(dir, key), content);
  return { name: String(name), dir };
}

/** The provider's fixture as a mounted directory (Confluent's is its client.properties, made into a Secret). */
function fixtureDir(provider: Provider): string {
  const dir = join(FIXTURES, provider.fixture);
  const properties = join(dir, 'client.properties');
  if (!existsSync(properties)) return dir;
  const secretDir = mkdtempSync(join(tmpdir(), 'readme-fixture-'));
  temp.push(secretDir);
  for (const [key, content] of Object.entries(secretFromEnvFile(readFileSync(properties, 'utf8'))))
    writeFileSync(join(secretDir, key), content);
  return secretDir;
}

const keysOf = (dir: string): string[] =>
  readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort();

function expectProvider(binding: KafkaBinding, provider: Provider): void {
  expect(binding.shape).toBe(provider.shape);
  expect(binding.describe()).toContain(provider.auth);
}

const PAGES = ['docs/kafka-providers.md', 'docs/kafka-providers.ja.md'];
const pages = Object.fromEntries(
  PAGES.map((file) => [file, providerCommands(readFileSync(join(REPO, file), 'utf8'))]),
);

describe.each(Object.entries(pages))('%s, "Which Kafka do you have?"', (_file, commands) => {
  it('gives a command for every provider, and the same commands as the other language', () => {
    expect([...commands.keys()].sort()).toEqual(Object.keys(PROVIDERS).sort());
    expect(commands).toEqual(pages[PAGES[0] ?? '']);
  });

  it.each(Object.entries(PROVIDERS))(
    '%s: the command gives a binding the apps read as its fixture',
    (name, provider) => {
      const fixture = fixtureDir(provider);
      const fromFixture = loadKafkaBinding({ KAFKA_BINDING_DIR: fixture }, NAMES);
      expectProvider(fromFixture, provider);
      const lines = commands.get(name) ?? [];
      expect(lines).toHaveLength(1);
      const words = lines[0] ?? [];
      if (words[1] === 'apply') {
        expect(words.slice(0, 3)).toEqual(['kubectl', 'apply', '-k']);
        expect(
          existsSync(join(REPO, String(words[3]), 'kustomization.yaml')),
          `${words[3]} is a kustomize variant`,
        ).toBe(true);
        return;
      }
      const secret = createSecret(words);
      expect(secret.name).toBe(SECRET_NAME);
      expect(keysOf(secret.dir)).toEqual(keysOf(fixture));
      const fromReadme = loadKafkaBinding({ KAFKA_BINDING_DIR: secret.dir }, NAMES);
      expectProvider(fromReadme, provider);
      expect(fromReadme.brokers).toEqual(fromFixture.brokers);
    },
  );
});
