import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';

import {
  PASSWORD,
  WALKTHROUGH_BROKERS,
  WALKTHROUGH_DIR,
  expectNoPassword,
  saslOf,
  walkthroughSources,
  load,
} from './helpers.js';

const config = load({ KAFKA_BINDING_DIR: WALKTHROUGH_DIR }, { clientId: 'producer-1' });

// Each is a way a logger, an error reporter or /readyz might turn the config into text.
describe('the loaded binding, however it is printed', () => {
  it.each([
    ['JSON.stringify', () => JSON.stringify(config)],
    ['String', () => String(config)],
    ['template literal', () => `${config}`],
    ['util.inspect', () => inspect(config, { depth: 10 })],
    ['util.inspect showHidden', () => inspect(config, { depth: 10, showHidden: true })],
    ['describe()', () => config.describe()],
    ['JSON.stringify of redacted()', () => JSON.stringify(config.redacted())],
    ['JSON.stringify of a spread copy', () => JSON.stringify({ ...config })],
    ['util.inspect of a spread copy', () => inspect({ ...config }, { depth: 10 })],
  ])('%s shows no password', (_how, print) => {
    expectNoPassword(print());
  });

  it('describes itself in one line for the start-up log', () => {
    expect(config.describe()).toBe(
      `Kafka ${WALKTHROUGH_BROKERS.join(',')} (TLS (binding CA), SASL scram-sha-256 as abcd1234), topic abcd1234-default, group abcd1234-consumer; binding: walkthrough Secret`,
    );
    expect(String(config)).toBe(config.describe());
  });

  it('serialises as the redacted form, with where each value came from', () => {
    const redacted = {
      brokers: WALKTHROUGH_BROKERS,
      topic: 'abcd1234-default',
      groupId: 'abcd1234-consumer',
      clientId: 'producer-1',
      topicPrefix: 'abcd1234-',
      name: 'demo-kafka',
      tls: true,
      customCa: true,
      sasl: { mechanism: 'scram-sha-256', username: 'abcd1234', password: '[redacted]' },
      shape: 'walkthrough',
      sources: walkthroughSources(),
    };
    expect(config.redacted()).toEqual(redacted);
    expect(JSON.parse(JSON.stringify(config))).toEqual(redacted);
    expect(inspect(config)).toContain("password: '[redacted]'");
  });
});

describe('the kafkajs configuration, however it is printed', () => {
  it.each([
    ['JSON.stringify', () => JSON.stringify(config.kafkaConfig())],
    ['util.inspect', () => inspect(config.kafkaConfig(), { depth: 10 })],
    [
      'util.inspect showHidden',
      () => inspect(config.kafkaConfig(), { depth: 10, showHidden: true }),
    ],
    ["console.log('%o')", () => format('%o', config.kafkaConfig())],
    ['JSON.stringify of sasl', () => JSON.stringify(config.kafkaConfig().sasl)],
    ['JSON.stringify of a spread sasl', () => JSON.stringify({ ...config.kafkaConfig().sasl })],
    [
      'util.inspect of a spread sasl',
      () => inspect({ ...config.kafkaConfig().sasl }, { depth: 10 }),
    ],
    ['Object.values of sasl', () => Object.values(config.kafkaConfig().sasl ?? {}).join(' ')],
  ])('%s shows no password', (_how, print) => {
    expectNoPassword(print());
  });

  it('still hands kafkajs the password, and the CA', () => {
    const kafka = config.kafkaConfig();
    expect(saslOf(kafka).password).toBe(PASSWORD);
    expect(JSON.parse(JSON.stringify(kafka.sasl))).toEqual({
      mechanism: 'scram-sha-256',
      username: 'abcd1234',
      password: '[redacted]',
    });
  });

  it('keeps the password hidden when the app passes overrides', () => {
    const kafka = config.kafkaConfig({ clientId: 'override', connectionTimeout: 5000 });
    expect(kafka.clientId).toBe('override');
    expect(kafka.connectionTimeout).toBe(5000);
    expect(saslOf(kafka).password).toBe(PASSWORD);
    expectNoPassword(JSON.stringify(kafka));
  });

  it('is a fresh object each time, so an app mutating one cannot change the next', () => {
    const first = config.kafkaConfig();
    first.brokers = ['mutated:1'];
    expect(config.kafkaConfig().brokers).toEqual(WALKTHROUGH_BROKERS);
  });
});
