import { describe, expect, it } from 'vitest';
import { ConfigError, formatBroker, parseBrokers } from '../src/index.js';
import { PASSWORD, configErrorFrom, load } from './helpers.js';

const fromEnv = (value: string) => ({ value, source: 'env KAFKA_BROKERS' });

describe('parseBrokers', () => {
  it('splits on commas, spaces, tabs and newlines alike', () => {
    expect(parseBrokers(fromEnv('a:9092, b:9093\nc:9094\td:9095 ,\n'))).toEqual([
      { host: 'a', port: 9092 },
      { host: 'b', port: 9093 },
      { host: 'c', port: 9094 },
      { host: 'd', port: 9095 },
    ]);
  });

  it('drops a listener prefix and a trailing slash, as Strimzi and Confluent write them', () => {
    expect(
      parseBrokers(
        fromEnv('SASL_SSL://moped-01.srvs.cloudkafka.com:9094,PLAINTEXT://kafka-0:9092/'),
      ),
    ).toEqual([
      { host: 'moped-01.srvs.cloudkafka.com', port: 9094 },
      { host: 'kafka-0', port: 9092 },
    ]);
  });

  it('reads a bracketed IPv6 literal', () => {
    expect(parseBrokers(fromEnv('[::1]:9094'))).toEqual([{ host: '::1', port: 9094 }]);
  });

  it('asks for brackets around a bare IPv6 literal', () => {
    expect(() => parseBrokers(fromEnv('::1:9094'))).toThrow(ConfigError);
    expect(() => parseBrokers(fromEnv('::1:9094'))).toThrow(
      'looks like an IPv6 address; write it in brackets',
    );
  });

  it('rejects a list with no broker in it', () => {
    expect(() => parseBrokers(fromEnv(' ,\n'))).toThrow(
      'Kafka binding key "brokers" (from env KAFKA_BROKERS): is empty',
    );
  });

  it('rejects an entry with no host', () => {
    expect(() => parseBrokers(fromEnv(':9094'))).toThrow('has no host');
  });

  it('formats a broker back as host:port', () => {
    expect(formatBroker({ host: 'kafka-0', port: 9092 })).toBe('kafka-0:9092');
  });
});

describe('brokers in loadKafkaBinding', () => {
  it('normalises every accepted spelling to host:port', () => {
    const config = load({ KAFKA_BROKERS: 'SASL_SSL://a:9094\nb:9094  c:9094' });
    expect(config.brokers).toEqual(['a:9094', 'b:9094', 'c:9094']);
  });

  it('rejects an IPv6 literal because kafkajs cannot connect to one', () => {
    const error = configErrorFrom(() =>
      load({ KAFKA_BROKERS: '[::1]:9094', KAFKA_USERNAME: 'abcd1234', KAFKA_PASSWORD: PASSWORD }),
    );
    expect(error.key).toBe('brokers');
    expect(error.source).toBe('env KAFKA_BROKERS');
    expect(error.message).toContain(
      '[::1]:9094 is an IPv6 literal, which kafkajs cannot connect to; use a host name',
    );
  });
});
