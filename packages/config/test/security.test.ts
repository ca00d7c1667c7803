import { describe, expect, it } from 'vitest';
import { DEFAULT_SASL_MECHANISM } from '../src/index.js';
import { PASSWORD, configErrorFrom, saslOf, load } from './helpers.js';

const credentials = {
  KAFKA_BROKERS: 'broker.example.com:9094',
  KAFKA_USERNAME: 'abcd1234',
  KAFKA_PASSWORD: PASSWORD,
};

describe('SASL mechanism', () => {
  it('defaults to scram-sha-256, the hosted plan’s mechanism', () => {
    expect(DEFAULT_SASL_MECHANISM).toBe('scram-sha-256');
    expect(saslOf(load(credentials).kafkaConfig()).mechanism).toBe('scram-sha-256');
  });

  it.each([
    ['PLAIN', 'plain'],
    ['SCRAM-SHA-512', 'scram-sha-512'],
    ['scram_sha_512', 'scram-sha-512'],
    ['SCRAM_SHA_256', 'scram-sha-256'],
    [' scram-sha-256 ', 'scram-sha-256'],
  ])('accepts %j as %s, the spelling kafkajs wants', (given, expected) => {
    const config = load({ ...credentials, KAFKA_SASL_MECHANISM: given });
    expect(saslOf(config.kafkaConfig()).mechanism).toBe(expected);
    expect(config.describe()).toContain(`SASL ${expected} as abcd1234`);
  });

  it('rejects GSSAPI, which kafkajs does not implement', () => {
    const error = configErrorFrom(() => load({ ...credentials, KAFKA_SASL_MECHANISM: 'GSSAPI' }));
    expect(error.key).toBe('sasl.mechanism');
    expect(error.source).toBe('env KAFKA_SASL_MECHANISM');
    expect(error.message).toBe(
      'Kafka binding key "sasl.mechanism" (from env KAFKA_SASL_MECHANISM): "GSSAPI" is not supported; use one of scram-sha-256, scram-sha-512, plain',
    );
  });

  it('is not used without credentials', () => {
    expect(
      load({ KAFKA_BROKERS: 'h:9092', KAFKA_SASL_MECHANISM: 'plain' }).kafkaConfig().sasl,
    ).toBeUndefined();
  });
});

describe('security protocol', () => {
  it.each([
    ['SSL', true],
    ['ssl', true],
    ['PLAINTEXT', false],
  ])('%s without credentials sets ssl to %s', (protocol, ssl) => {
    expect(
      load({ KAFKA_BROKERS: 'h:9092', KAFKA_SECURITY_PROTOCOL: protocol }).kafkaConfig().ssl,
    ).toBe(ssl);
  });
});
