import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaConfig } from 'kafkajs';
import {
  CA_PEM,
  CLIENT_TLS,
  FIXTURES,
  PASSWORD,
  SECOND_CA_PEM,
  bindingDir,
  expectNoPassword,
  keyBody,
  load,
  removeTempDirs,
  saslOf,
  secretFromEnvFile,
} from './helpers.js';

afterEach(removeTempDirs);

const fixture = (name: string): string => join(FIXTURES, name);
const STRIMZI_BOOTSTRAP = ['my-cluster-kafka-bootstrap.kafka.svc:9093'];

/** Every way the loaded binding could be printed holds neither the password nor the client key. */
function expectPrintsNoSecret(config: ReturnType<typeof load>): void {
  for (const text of [
    config.describe(),
    JSON.stringify(config),
    JSON.stringify(config.kafkaConfig()),
  ]) {
    expectNoPassword(text);
    expect(text).not.toContain(keyBody(CLIENT_TLS.key));
  }
}

function tlsOf(kafka: KafkaConfig): {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
} {
  if (typeof kafka.ssl !== 'object')
    throw new Error(`expected TLS options, got ${String(kafka.ssl)}`);
  return kafka.ssl as { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean };
}

describe('Strimzi Access Operator Secret (KafkaAccess), SCRAM-SHA-512 user', () => {
  const config = load({ KAFKA_BINDING_DIR: fixture('strimzi-access-scram') });

  it('reads the three spellings of bootstrap servers, two of protocol and mechanism, and the JAAS line, which all agree', () => {
    expect(config.brokers).toEqual(STRIMZI_BOOTSTRAP);
    expect(saslOf(config.kafkaConfig())).toMatchObject({
      mechanism: 'scram-sha-512',
      username: 'demo-user',
      password: PASSWORD,
    });
    expect(tlsOf(config.kafkaConfig())).toEqual({ ca: [CA_PEM], rejectUnauthorized: true });
  });

  it('says it recognised the Access Operator Secret', () => {
    expect(config.shape).toBe('strimzi-access');
    expect(config.describe()).toBe(
      'Kafka my-cluster-kafka-bootstrap.kafka.svc:9093 (TLS (binding CA), SASL scram-sha-512 as demo-user), topic default, group consumer; binding: Strimzi Access Operator Secret',
    );
    expectPrintsNoSecret(config);
  });
});

describe('Strimzi Access Operator Secret (KafkaAccess), TLS user', () => {
  const config = load({ KAFKA_BINDING_DIR: fixture('strimzi-access-tls') });

  it('authenticates with the client certificate over SSL and trusts the cluster CA', () => {
    const kafka = config.kafkaConfig();
    expect(kafka.sasl).toBeUndefined();
    expect(tlsOf(kafka)).toEqual({
      ca: [CA_PEM],
      rejectUnauthorized: true,
      cert: CLIENT_TLS.cert,
      key: CLIENT_TLS.key,
    });
    expect(config.describe()).toContain('(TLS (binding CA), client certificate CN=demo-user)');
    expect(config.describe()).toContain('binding: Strimzi Access Operator Secret');
    expectPrintsNoSecret(config);
  });
});

describe('Strimzi KafkaUser Secret with the cluster CA Secret and the bootstrap address projected beside it', () => {
  it('SCRAM: takes the username from sasl.jaas.config and uses SCRAM-SHA-512, the only SCRAM Strimzi has', () => {
    const config = load({ KAFKA_BINDING_DIR: fixture('strimzi-kafkauser-scram') });
    expect(config.brokers).toEqual(STRIMZI_BOOTSTRAP);
    expect(saslOf(config.kafkaConfig())).toMatchObject({
      mechanism: 'scram-sha-512',
      username: 'demo-user',
      password: PASSWORD,
    });
    expect(tlsOf(config.kafkaConfig())).toEqual({ ca: [CA_PEM], rejectUnauthorized: true });
    expect(config.shape).toBe('strimzi-user');
    expect(config.origins.username).toBe(
      `file ${join(fixture('strimzi-kafkauser-scram'), 'sasl.jaas.config')} (username in sasl.jaas.config)`,
    );
    expect(config.describe()).toContain('SASL scram-sha-512 as demo-user');
    expect(config.describe()).toContain('binding: Strimzi KafkaUser Secret');
    expectPrintsNoSecret(config);
  });

  it('TLS: uses user.crt and user.key with the cluster CA', () => {
    const config = load({ KAFKA_BINDING_DIR: fixture('strimzi-kafkauser-tls') });
    expect(tlsOf(config.kafkaConfig())).toEqual({
      ca: [CA_PEM],
      rejectUnauthorized: true,
      cert: CLIENT_TLS.cert,
      key: CLIENT_TLS.key,
    });
    expect(config.kafkaConfig().sasl).toBeUndefined();
    expect(config.shape).toBe('strimzi-user');
    expect(config.describe()).toContain('client certificate CN=demo-user');
    expectPrintsNoSecret(config);
  });
});

describe('managed clouds', () => {
  it('Confluent Cloud: a Secret made from its client.properties is SASL PLAIN over TLS with the system CAs', () => {
    const dir = bindingDir(
      secretFromEnvFile(
        readFileSync(join(fixture('confluent-cloud'), 'client.properties'), 'utf8'),
      ),
    );
    const config = load({ KAFKA_BINDING_DIR: dir });
    expect(config.brokers).toEqual(['pkc-12345.europe-west1.gcp.confluent.cloud:9092']);
    expect(config.kafkaConfig().ssl).toBe(true);
    expect(saslOf(config.kafkaConfig())).toMatchObject({
      mechanism: 'plain',
      username: 'DEMOAPIKEY12345',
      password: PASSWORD,
    });
    expect(config.describe()).toContain('(TLS (system CAs), SASL plain as DEMOAPIKEY12345)');
    expect(config.describe()).toContain('binding: Kafka client properties');
    expectPrintsNoSecret(config);
  });

  it('Aiven: SCRAM-SHA-256 over TLS with the project CA', () => {
    const config = load({ KAFKA_BINDING_DIR: fixture('aiven') });
    expect(tlsOf(config.kafkaConfig())).toEqual({ ca: [SECOND_CA_PEM], rejectUnauthorized: true });
    expect(saslOf(config.kafkaConfig())).toMatchObject({
      mechanism: 'scram-sha-256',
      username: 'avnadmin',
      password: PASSWORD,
    });
    expect(config.shape).toBe('walkthrough');
  });

  it('Redpanda Cloud: SCRAM-SHA-256 over TLS with the system CAs', () => {
    const config = load({ KAFKA_BINDING_DIR: fixture('redpanda-cloud') });
    expect(config.kafkaConfig().ssl).toBe(true);
    expect(saslOf(config.kafkaConfig())).toMatchObject({
      mechanism: 'scram-sha-256',
      username: 'demo-user',
    });
  });

  it('Amazon MSK with SCRAM: SCRAM-SHA-512 over TLS with the system CAs, on port 9096', () => {
    const config = load({ KAFKA_BINDING_DIR: fixture('msk-scram') });
    expect(config.brokers.every((broker) => broker.endsWith(':9096'))).toBe(true);
    expect(config.kafkaConfig().ssl).toBe(true);
    expect(saslOf(config.kafkaConfig())).toMatchObject({
      mechanism: 'scram-sha-512',
      username: 'demo-user',
      password: PASSWORD,
    });
  });

  it('Amazon MSK with mutual TLS: the client certificate over SSL with the system CAs, on port 9094', () => {
    const config = load({ KAFKA_BINDING_DIR: fixture('msk-mtls') });
    expect(tlsOf(config.kafkaConfig())).toEqual({
      rejectUnauthorized: true,
      cert: CLIENT_TLS.cert,
      key: CLIENT_TLS.key,
    });
    expect(config.kafkaConfig().sasl).toBeUndefined();
    expect(config.describe()).toContain('(TLS (system CAs), client certificate CN=demo-user)');
    expectPrintsNoSecret(config);
  });
});

describe('the shapes describe() names', () => {
  it.each([
    ['walkthrough-secret', 'walkthrough Secret'],
    ['strimzi-access-scram', 'Strimzi Access Operator Secret'],
    ['strimzi-kafkauser-scram', 'Strimzi KafkaUser Secret'],
    ['service-binding-root/orders-kafka', 'servicebinding.io binding'],
  ])('%s is a %s', (dir, name) => {
    expect(load({ KAFKA_BINDING_DIR: fixture(dir) }).describe()).toMatch(
      new RegExp(`; binding: ${name}$`),
    );
  });

  it('names the environment, and overrides of files by it', () => {
    expect(load({ KAFKA_BROKERS: 'h:9092' }).describe()).toMatch(
      /; binding: environment variables$/,
    );
    expect(
      load({ KAFKA_BINDING_DIR: fixture('aiven'), KAFKA_USERNAME: 'other' }).describe(),
    ).toMatch(/; binding: walkthrough Secret with KAFKA_\* overrides$/);
  });
});

describe('mutual TLS from the environment', () => {
  it('reads KAFKA_CERT and KAFKA_KEY', () => {
    const config = load({
      KAFKA_BROKERS: 'h:9094',
      KAFKA_CERT: CLIENT_TLS.cert,
      KAFKA_KEY: CLIENT_TLS.key,
    });
    expect(tlsOf(config.kafkaConfig())).toMatchObject({
      cert: CLIENT_TLS.cert,
      key: CLIENT_TLS.key,
    });
    expect(config.origins).toMatchObject({ cert: 'env KAFKA_CERT', key: 'env KAFKA_KEY' });
  });

  it('reads KAFKA_CERT_FILE and KAFKA_KEY_FILE', () => {
    const config = load({
      KAFKA_BROKERS: 'h:9094',
      KAFKA_CERT_FILE: CLIENT_TLS.certFile,
      KAFKA_KEY_FILE: CLIENT_TLS.keyFile,
    });
    expect(tlsOf(config.kafkaConfig())).toMatchObject({
      cert: CLIENT_TLS.cert,
      key: CLIENT_TLS.key,
    });
    expect(config.origins.key).toBe(`file ${CLIENT_TLS.keyFile} (KAFKA_KEY_FILE)`);
  });

  it('with a password as well, authenticates both ways over SASL_SSL', () => {
    const config = load({
      KAFKA_BROKERS: 'h:9094',
      KAFKA_CERT: CLIENT_TLS.cert,
      KAFKA_KEY: CLIENT_TLS.key,
      KAFKA_USERNAME: 'u',
      KAFKA_PASSWORD: PASSWORD,
    });
    expect(tlsOf(config.kafkaConfig())).toMatchObject({ cert: CLIENT_TLS.cert });
    expect(saslOf(config.kafkaConfig()).username).toBe('u');
    expect(config.describe()).toContain('client certificate CN=demo-user, SASL scram-sha-256 as u');
  });

  it('treats a change of certificate as a new connection', () => {
    const a = load({
      KAFKA_BROKERS: 'h:9094',
      KAFKA_CERT: CLIENT_TLS.cert,
      KAFKA_KEY: CLIENT_TLS.key,
    });
    const b = load({ KAFKA_BROKERS: 'h:9094' });
    expect(a.sameConnectionAs(b)).toBe(false);
    expect(
      a.sameConnectionAs(
        load({ KAFKA_BROKERS: 'h:9094', KAFKA_CERT: CLIENT_TLS.cert, KAFKA_KEY: CLIENT_TLS.key }),
      ),
    ).toBe(true);
  });
});
