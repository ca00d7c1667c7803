import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_KEYS, loadKafkaBinding } from '@demo-kafka/config';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LocalKafkaError,
  bindingFiles,
  writeBindingDir,
  type BindingMaterial,
} from '@demo-kafka/local-kafka';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../config/test/fixtures/${name}`, import.meta.url), 'utf8');
const material: BindingMaterial = {
  saslBrokers: ['127.0.0.1:9094'],
  mtlsBrokers: ['127.0.0.1:9095'],
  caPem: fixture('walkthrough-secret/ca'),
  username: 'demo-user',
  password: 'pw-for-formats',
  topicPrefix: 'demo-user-',
  certificate: {
    certPem: fixture('client-tls/client.crt'),
    keyPem: fixture('client-tls/client.key'),
  },
  name: 'local-kafka',
};
const NAMES = { topic: 'default', groupId: 'consumer', clientId: 'formats-test' };

const dirs: string[] = [];
afterEach(() =>
  dirs.splice(0).forEach((dir) => {
    rmSync(dir, { recursive: true, force: true });
  }),
);
function written(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'binding-format-'));
  dirs.push(dir);
  writeBindingDir(dir, files);
  return dir;
}

describe('bindingFiles', () => {
  it('writes exactly the walkthrough Secret for SCRAM-SHA-256', () => {
    expect(Object.keys(bindingFiles(material, 'walkthrough', 'scram-sha-256')).sort()).toEqual(
      [...SECRET_KEYS].sort(),
    );
  });

  it.each([
    [
      'walkthrough',
      'scram-sha-512',
      'walkthrough',
      'SASL scram-sha-512 as demo-user',
      '127.0.0.1:9094',
    ],
    ['walkthrough', 'plain', 'walkthrough', 'SASL plain as demo-user', '127.0.0.1:9094'],
    ['walkthrough', 'mtls', 'walkthrough', 'client certificate CN=demo-user', '127.0.0.1:9095'],
    [
      'strimzi-access',
      'scram-sha-512',
      'strimzi-access',
      'SASL scram-sha-512 as demo-user',
      '127.0.0.1:9094',
    ],
    [
      'strimzi-access',
      'mtls',
      'strimzi-access',
      'client certificate CN=demo-user',
      '127.0.0.1:9095',
    ],
    [
      'strimzi-user',
      'scram-sha-512',
      'strimzi-user',
      'SASL scram-sha-512 as demo-user',
      '127.0.0.1:9094',
    ],
    ['strimzi-user', 'mtls', 'strimzi-user', 'client certificate CN=demo-user', '127.0.0.1:9095'],
  ] as const)('%s / %s loads as a %s binding with %s', (format, mode, shape, auth, broker) => {
    const binding = loadKafkaBinding(
      { KAFKA_BINDING_DIR: written(bindingFiles(material, format, mode)) },
      NAMES,
    );
    expect(binding.shape).toBe(shape);
    expect(binding.describe()).toContain(auth);
    expect(binding.brokers).toEqual([broker]);
  });

  it('gives a Strimzi KafkaUser binding what a projected volume holds, and no key a KafkaUser Secret lacks', () => {
    const dir = written(bindingFiles(material, 'strimzi-user', 'scram-sha-512'));
    expect(
      readdirSync(dir)
        .filter((name) => !name.startsWith('.'))
        .sort(),
    ).toEqual(['bootstrap.servers', 'ca.crt', 'password', 'sasl.jaas.config']);
  });

  it.each(['scram-sha-256', 'plain'] as const)(
    'refuses %s for the Strimzi formats, which Strimzi users cannot have',
    (mode) => {
      expect(() => bindingFiles(material, 'strimzi-access', mode)).toThrow(LocalKafkaError);
      expect(() => bindingFiles(material, 'strimzi-user', mode)).toThrow(/scram-sha-512 or mtls/);
    },
  );
});

describe('writeBindingDir', () => {
  it('written again in another format, leaves only the new keys (as the kubelet does), and the binding still loads', () => {
    const dir = written(bindingFiles(material, 'strimzi-access', 'mtls'));
    writeFileSync(join(dir, 'README'), 'not a key link: kept');
    writeBindingDir(dir, bindingFiles(material, 'walkthrough', 'scram-sha-256'));
    expect(
      readdirSync(dir)
        .filter((name) => !name.startsWith('.'))
        .sort(),
    ).toEqual([...SECRET_KEYS, 'README'].sort());
    const binding = loadKafkaBinding({ KAFKA_BINDING_DIR: dir }, NAMES);
    expect(binding.shape).toBe('walkthrough');
    expect(binding.brokers).toEqual(['127.0.0.1:9094']);
  });
});
