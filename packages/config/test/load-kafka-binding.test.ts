import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadKafkaBinding,
  readBaseSettings,
  resourceNames,
  type KafkaBinding,
} from '../src/index.js';
import {
  CA_PEM,
  PASSWORD,
  SECOND_CA_FILE,
  SECOND_CA_PEM,
  SERVICE_BINDING_ROOT,
  WALKTHROUGH_BROKERS,
  WALKTHROUGH_DIR,
  bindingDir,
  configErrorFrom,
  removeTempDirs,
  saslOf,
  serviceBindingRoot,
  walkthroughSources,
  load,
} from './helpers.js';

afterEach(removeTempDirs);

describe('the walkthrough Secret mounted at KAFKA_BINDING_DIR', () => {
  const config = load({ KAFKA_BINDING_DIR: WALKTHROUGH_DIR });

  it('gives the three SASL_SSL brokers on port 9094', () => {
    expect(config.brokers).toEqual(WALKTHROUGH_BROKERS);
    expect(config.kafkaConfig().brokers).toEqual(WALKTHROUGH_BROKERS);
  });

  it('names the topic and group as the original samples did, inside the topic prefix', () => {
    expect(config.topicPrefix).toBe('abcd1234-');
    expect(config.topic).toBe('abcd1234-default');
    expect(config.groupId).toBe('abcd1234-consumer');
    expect(config.name).toBe('demo-kafka');
  });

  it('trusts the binding CA and authenticates with SCRAM-SHA-256', () => {
    const kafka = config.kafkaConfig();
    expect(kafka.ssl).toEqual({ ca: [CA_PEM], rejectUnauthorized: true });
    const sasl = saslOf(kafka);
    expect(sasl.mechanism).toBe('scram-sha-256');
    expect(sasl.username).toBe('abcd1234');
    // kafkajs reads the password by property access when it authenticates.
    expect(sasl.password).toBe(PASSWORD);
  });

  it('strips the trailing newline echo leaves in every file', () => {
    const sasl = saslOf(config.kafkaConfig());
    expect(sasl.username).not.toMatch(/\n/);
    expect(sasl.password).not.toMatch(/\n/);
    expect(config.brokers.at(-1)).toBe('moped-03.srvs.cloudkafka.com:9094');
  });

  it('says which file each key came from, through the Secret links rather than ..data', () => {
    expect(config.origins).toEqual(walkthroughSources());
    expect(config.bindingDir).toBe(WALKTHROUGH_DIR);
  });
});

describe('trailing newlines', () => {
  it('strips only one, so a value that really ends in a newline keeps it', () => {
    const dir = bindingDir({
      brokers: 'h:9094\n',
      username: 'u\n',
      password: 'ends-in-newline\n\n',
    });
    expect(saslOf(load({ KAFKA_BINDING_DIR: dir }).kafkaConfig()).password).toBe(
      'ends-in-newline\n',
    );
  });
});

describe('topic, group and client names', () => {
  it('puts the prefix in front of the topic and group the app names', () => {
    const config = load(
      { KAFKA_BINDING_DIR: WALKTHROUGH_DIR },
      { topic: 'orders', groupId: 'billing' },
    );
    expect(config.topic).toBe('abcd1234-orders');
    expect(config.groupId).toBe('abcd1234-billing');
    expect(config.names).toEqual({ topic: 'orders', groupId: 'billing', clientId: 'test-client' });
  });

  it("reads no app settings itself: TOPIC, GROUP_ID and CLIENT_ID are the caller's to read", () => {
    const config = load(
      {
        KAFKA_BINDING_DIR: WALKTHROUGH_DIR,
        TOPIC: 'orders',
        GROUP_ID: 'billing',
        CLIENT_ID: 'from-env',
        PORT: 'not-a-port',
      },
      { topic: 'events', groupId: 'audit', clientId: 'producer-1' },
    );
    expect(config.topic).toBe('abcd1234-events');
    expect(config.groupId).toBe('abcd1234-audit');
    // The client id is not a broker resource, so the prefix does not apply to it.
    expect(config.clientId).toBe('producer-1');
    expect(config.kafkaConfig().clientId).toBe('producer-1');
  });

  it('takes the settings an app read, through resourceNames', () => {
    const names = resourceNames(
      readBaseSettings({ TOPIC: 'orders', GROUP_ID: 'billing', CLIENT_ID: 'pod-7' }),
    );
    const config = loadKafkaBinding({ KAFKA_BINDING_DIR: WALKTHROUGH_DIR }, names);
    expect([config.topic, config.groupId, config.clientId]).toEqual([
      'abcd1234-orders',
      'abcd1234-billing',
      'pod-7',
    ]);
  });

  it('uses no prefix when the binding has none', () => {
    const config = load({ KAFKA_BROKERS: 'localhost:9092' });
    expect(config.topic).toBe('default');
    expect(config.groupId).toBe('consumer');
  });

  it('accepts an empty topicPrefix file as "no prefix"', () => {
    const dir = bindingDir({ brokers: 'h:9094\n', topicPrefix: '\n' });
    const config = load({ KAFKA_BINDING_DIR: dir });
    expect(config.topicPrefix).toBe('');
    expect(config.topic).toBe('default');
  });
});

describe('SERVICE_BINDING_ROOT (servicebinding.io)', () => {
  const kafkaDir = join(SERVICE_BINDING_ROOT, 'orders-kafka');

  it('picks the binding whose type is kafka and reads its aliased keys', () => {
    const config = load({ SERVICE_BINDING_ROOT });
    expect(config.bindingDir).toBe(kafkaDir);
    expect(config.brokers).toEqual(['bootstrap-servers.example.com:9093']);
    expect(config.topic).toBe('orders-default');
    const kafka = config.kafkaConfig();
    expect(kafka.ssl).toEqual({ ca: [CA_PEM], rejectUnauthorized: true });
    const sasl = saslOf(kafka);
    expect(sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'orders-user' });
    expect(sasl.password).toBe(PASSWORD);
    expect(config.origins).toEqual({
      brokers: `file ${join(kafkaDir, 'bootstrap-servers')}`,
      username: `file ${join(kafkaDir, 'user')}`,
      password: `file ${join(kafkaDir, 'password')}`,
      ca: `file ${join(kafkaDir, 'ca.crt')}`,
      topicPrefix: `file ${join(kafkaDir, 'topic-prefix')}`,
      'sasl.mechanism': `file ${join(kafkaDir, 'sasl.mechanism')}`,
      'security.protocol': `file ${join(kafkaDir, 'security.protocol')}`,
    });
  });

  it('picks the binding KAFKA_BINDING_NAME names', () => {
    const root = serviceBindingRoot({
      east: { type: 'kafka\n', brokers: 'east:9094\n' },
      west: { type: 'kafka\n', brokers: 'west:9094\n' },
    });
    const config = load({ SERVICE_BINDING_ROOT: root, KAFKA_BINDING_NAME: 'west' });
    expect(config.brokers).toEqual(['west:9094']);
    expect(config.bindingDir).toBe(join(root, 'west'));
  });

  it('fails when KAFKA_BINDING_NAME names a binding the root does not have', () => {
    const error = configErrorFrom(() =>
      load({ SERVICE_BINDING_ROOT, KAFKA_BINDING_NAME: 'orders-queue' }),
    );
    expect(error.key).toBe('KAFKA_BINDING_NAME');
    expect(error.source).toBe('env KAFKA_BINDING_NAME');
    expect(error.message).toContain('"orders-queue"');
    expect(error.message).toContain(SERVICE_BINDING_ROOT);
  });

  it('refuses to guess between two kafka bindings and lists both', () => {
    const root = serviceBindingRoot({
      east: { type: 'kafka\n', brokers: 'east:9094\n' },
      west: { type: 'Kafka\n', brokers: 'west:9094\n' },
      db: { type: 'postgresql\n' },
    });
    const error = configErrorFrom(() => load({ SERVICE_BINDING_ROOT: root }));
    expect(error.message).toContain('several bindings of type kafka (east, west)');
    expect(error.message).toContain('KAFKA_BINDING_NAME');
  });

  it('falls back to the environment when no binding is of type kafka', () => {
    const root = serviceBindingRoot({ db: { type: 'postgresql\n', password: `${PASSWORD}\n` } });
    const config = load({ SERVICE_BINDING_ROOT: root, KAFKA_BROKERS: 'localhost:9092' });
    expect(config.brokers).toEqual(['localhost:9092']);
    expect(config.bindingDir).toBeUndefined();
  });

  it('comes second to KAFKA_BINDING_DIR', () => {
    const config = load({ KAFKA_BINDING_DIR: WALKTHROUGH_DIR, SERVICE_BINDING_ROOT });
    expect(config.bindingDir).toBe(WALKTHROUGH_DIR);
  });
});

describe('environment variables alone', () => {
  const env = {
    KAFKA_BROKERS:
      'moped-01.srvs.cloudkafka.com:9094,moped-02.srvs.cloudkafka.com:9094,moped-03.srvs.cloudkafka.com:9094',
    KAFKA_USERNAME: 'abcd1234',
    KAFKA_PASSWORD: PASSWORD,
    KAFKA_CA: CA_PEM,
    KAFKA_TOPIC_PREFIX: 'abcd1234-',
  };

  it('give the same configuration as the mounted Secret', () => {
    const config = load(env);
    const fromFiles = load({ KAFKA_BINDING_DIR: WALKTHROUGH_DIR });
    expect(config.sameConnectionAs(fromFiles)).toBe(true);
    expect(config.brokers).toEqual(WALKTHROUGH_BROKERS);
    expect(config.topic).toBe('abcd1234-default');
    expect(config.kafkaConfig().ssl).toEqual({ ca: [CA_PEM], rejectUnauthorized: true });
    expect(saslOf(config.kafkaConfig()).password).toBe(PASSWORD);
    expect(config.bindingDir).toBeUndefined();
    expect(config.origins).toEqual({
      brokers: 'env KAFKA_BROKERS',
      username: 'env KAFKA_USERNAME',
      password: 'env KAFKA_PASSWORD',
      ca: 'env KAFKA_CA',
      topicPrefix: 'env KAFKA_TOPIC_PREFIX',
    });
  });

  it('read the CA from KAFKA_CA_FILE', () => {
    const config = load({ ...env, KAFKA_CA: undefined, KAFKA_CA_FILE: SECOND_CA_FILE });
    expect(config.kafkaConfig().ssl).toEqual({ ca: [SECOND_CA_PEM], rejectUnauthorized: true });
    expect(config.origins.ca).toBe(`file ${SECOND_CA_FILE} (KAFKA_CA_FILE)`);
  });

  it('without a CA or a protocol mean a plaintext cluster', () => {
    const config = load({ KAFKA_BROKERS: 'localhost:9092' });
    expect(config.kafkaConfig()).toEqual({
      clientId: config.clientId,
      brokers: ['localhost:9092'],
      ssl: false,
    });
    expect(config.describe()).toContain('no TLS, no SASL');
  });

  it('with credentials but no CA and no protocol mean SASL_SSL against the system CAs, never a password in clear', () => {
    const config = load({
      KAFKA_BROKERS: 'broker.example.com:9094',
      KAFKA_USERNAME: 'abcd1234',
      KAFKA_PASSWORD: PASSWORD,
      KAFKA_SASL_MECHANISM: 'plain',
    });
    expect(config.kafkaConfig().ssl).toBe(true);
    expect(config.describe()).toContain('TLS (system CAs), SASL plain as abcd1234');
  });

  it('with SASL_SSL and no CA mean TLS against the system CAs', () => {
    const config = load({
      KAFKA_BROKERS: 'broker.example.com:9094',
      KAFKA_USERNAME: 'abcd1234',
      KAFKA_PASSWORD: PASSWORD,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    });
    expect(config.kafkaConfig().ssl).toBe(true);
    expect(config.describe()).toContain('TLS (system CAs)');
  });

  it('with an explicit plaintext protocol turn TLS off even when a CA is given', () => {
    const config = load({ ...env, KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext' });
    expect(config.kafkaConfig().ssl).toBe(false);
    expect(saslOf(config.kafkaConfig()).username).toBe('abcd1234');
  });
});

describe('environment variables over files', () => {
  it('replace the same key read from the Secret, and say so', () => {
    const config = load({
      KAFKA_BINDING_DIR: WALKTHROUGH_DIR,
      KAFKA_BROKERS: 'localhost:9092',
      KAFKA_PASSWORD: 'rotated-PASSWORD-value',
    });
    expect(config.brokers).toEqual(['localhost:9092']);
    expect(saslOf(config.kafkaConfig())).toMatchObject({
      username: 'abcd1234',
      password: 'rotated-PASSWORD-value',
    });
    expect(config.origins.brokers).toBe('env KAFKA_BROKERS');
    expect(config.origins.password).toBe('env KAFKA_PASSWORD');
    expect(config.origins.username).toBe(`file ${join(WALKTHROUGH_DIR, 'username')}`);
  });

  it('replace the CA file with KAFKA_CA_FILE', () => {
    const config = load({ KAFKA_BINDING_DIR: WALKTHROUGH_DIR, KAFKA_CA_FILE: SECOND_CA_FILE });
    expect(config.kafkaConfig().ssl).toEqual({ ca: [SECOND_CA_PEM], rejectUnauthorized: true });
    expect(config.origins.ca).toBe(`file ${SECOND_CA_FILE} (KAFKA_CA_FILE)`);
  });

  it('count as unset when empty, as compose writes them', () => {
    const config = load({
      KAFKA_BINDING_DIR: WALKTHROUGH_DIR,
      KAFKA_PASSWORD: '',
      KAFKA_BROKERS: '',
    });
    expect(saslOf(config.kafkaConfig()).password).toBe(PASSWORD);
    expect(config.origins.password).toBe(`file ${join(WALKTHROUGH_DIR, 'password')}`);
    expect(config.brokers).toEqual(WALKTHROUGH_BROKERS);
  });
});

describe('key aliases other brokers use', () => {
  const base: Record<string, string> = {
    brokers: 'base:9094\n',
    username: 'base-user\n',
    password: `${PASSWORD}\n`,
  };

  interface AliasCase {
    readonly alias: string;
    readonly key: string;
    readonly content: string;
    readonly read: (config: KafkaBinding) => unknown;
    readonly expected: unknown;
  }

  const cases: AliasCase[] = [
    {
      alias: 'bootstrap-servers',
      key: 'brokers',
      content: 'kafka-0:9093\n',
      read: (c) => c.brokers,
      expected: ['kafka-0:9093'],
    },
    {
      alias: 'bootstrapServers',
      key: 'brokers',
      content: 'kafka-1:9093\n',
      read: (c) => c.brokers,
      expected: ['kafka-1:9093'],
    },
    {
      alias: 'user',
      key: 'username',
      content: 'alias-user\n',
      read: (c) => saslOf(c.kafkaConfig()).username,
      expected: 'alias-user',
    },
    {
      alias: 'ca.crt',
      key: 'ca',
      content: CA_PEM,
      read: (c) => c.kafkaConfig().ssl,
      expected: { ca: [CA_PEM], rejectUnauthorized: true },
    },
    {
      alias: 'topic-prefix',
      key: 'topicPrefix',
      content: 'team-\n',
      read: (c) => c.topic,
      expected: 'team-default',
    },
    {
      alias: 'saslMechanism',
      key: 'sasl.mechanism',
      content: 'PLAIN\n',
      read: (c) => saslOf(c.kafkaConfig()).mechanism,
      expected: 'plain',
    },
    {
      alias: 'securityProtocol',
      key: 'security.protocol',
      content: 'SASL_SSL\n',
      read: (c) => c.kafkaConfig().ssl,
      expected: true,
    },
  ];

  it.each(cases)('reads $alias as $key', ({ alias, key, content, read, expected }) => {
    const files = Object.fromEntries(Object.entries(base).filter(([name]) => name !== key));
    const dir = bindingDir({ ...files, [alias]: content });
    const config = load({ KAFKA_BINDING_DIR: dir });
    expect(read(config)).toEqual(expected);
    expect(config.origins).toHaveProperty([key], `file ${join(dir, alias)}`);
  });

  it('ignores files that are not binding keys', () => {
    const dir = bindingDir({
      ...base,
      type: 'kafka\n',
      provider: 'cloudkarafka\n',
      host: 'ignored:1\n',
    });
    const config = load({ KAFKA_BINDING_DIR: dir });
    expect(Object.keys(config.origins).sort()).toEqual(['brokers', 'password', 'username']);
  });
});
