import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { describeKafkaError, isAccessError } from '../src/kafka/describe-kafka-error.js';

const { KafkaJSAggregateError, KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSRequestTimeoutError } = kafkajs;

const AUTH = 'Kafka rejected the credentials (authentication failed): check the binding username and password';
const TOPIC = 'Kafka refused access to the topic: its name must start with the binding topicPrefix';
const GROUP = 'Kafka refused access to the consumer group: its name must start with the binding topicPrefix';
const UNREACHABLE = 'Kafka is not reachable';

/** A broker error code as kafkajs reports it (KafkaJSProtocolError carries `type`; its typings do not let us build one). */
const protocolError = (type: string, message: string): Error =>
  Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type, retriable: false });

describe('describeKafkaError', () => {
  it.each([
    ['SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512'],
    ['SASL PLAIN authentication failed: Authentication failed: Invalid username or password'],
  ])('reads %j as rejected credentials', (message) => {
    expect(describeKafkaError(new Error(message))).toBe(AUTH);
  });

  it('reads a KafkaJSSASLAuthenticationError as rejected credentials whatever its message', () => {
    const error = Object.assign(new Error('unexpected server response'), { name: 'KafkaJSSASLAuthenticationError' });
    expect(describeKafkaError(error)).toBe(AUTH);
  });

  it('reads TOPIC_AUTHORIZATION_FAILED as a topic outside the prefix', () => {
    expect(describeKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', 'Not authorized to access topics: [Topic authorization failed]'))).toBe(TOPIC);
    // The type alone decides, since a broker may word the message differently.
    expect(describeKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', 'denied'))).toBe(TOPIC);
  });

  it('reads TOPIC_AUTHORIZATION_FAILED inside an aggregate (createTopics) by its first cause', () => {
    const aggregate = new KafkaJSAggregateError('Topic creation errors', [
      protocolError('TOPIC_AUTHORIZATION_FAILED', 'Not authorized to access topics: [Topic authorization failed]'),
      protocolError('TOPIC_ALREADY_EXISTS', 'Topic with this name already exists'),
    ]);
    expect(describeKafkaError(aggregate)).toBe(TOPIC);
  });

  it('reads a plain object with an errors array the same way', () => {
    expect(describeKafkaError({ errors: [{ type: 'TOPIC_AUTHORIZATION_FAILED' }] })).toBe(TOPIC);
  });

  it('does not treat an empty errors array as a cause', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { errors: [] });
    expect(describeKafkaError(error)).toBe(UNREACHABLE);
  });

  it('reads GROUP_AUTHORIZATION_FAILED as a group outside the prefix', () => {
    expect(describeKafkaError(protocolError('GROUP_AUTHORIZATION_FAILED', 'Not authorized to access group: Group authorization failed'))).toBe(GROUP);
  });

  it.each([
    ['connect ECONNREFUSED 127.0.0.1:9092'],
    ['getaddrinfo ENOTFOUND kafka.example'],
    ['getaddrinfo EAI_AGAIN kafka.example'],
    ['Connection timeout'],
    ['Closed connection'],
  ])('reads %j as Kafka not reachable', (message) => {
    expect(describeKafkaError(new Error(message))).toBe(UNREACHABLE);
  });

  it('reads the kafkajs connection and retries-exhausted errors as not reachable', () => {
    expect(describeKafkaError(new KafkaJSConnectionError('Connection error: read ECONNRESET', { broker: 'b:9092' }))).toBe(UNREACHABLE);
    const cause = new Error('something odd');
    expect(describeKafkaError(new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 3000 }))).toBe(UNREACHABLE);
  });

  it('reads a request timeout as no answer in time, not as unreachable', () => {
    const error = new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out', {
      broker: 'b:9092',
      clientId: 'c',
      correlationId: 1,
      createdAt: 0,
      sentAt: 0,
      pendingDuration: 30_000,
    });
    expect(describeKafkaError(error)).toBe('Kafka did not answer in time');
  });

  it('names a TLS failure and keeps its detail short', () => {
    const reason = describeKafkaError(new Error(`self-signed certificate in certificate chain ${'z'.repeat(300)}`));
    expect(reason).toMatch(/^TLS with the broker failed \(self-signed certificate in certificate chain z+\): check the binding ca$/);
    expect(reason.match(/z/g)?.length).toBe(200 - 'self-signed certificate in certificate chain '.length);
  });

  it('keeps at most the first 200 characters of an unknown error, so a secret further on is not shown', () => {
    const secret = 'password=hunter2-SECRET';
    const message = `${'m'.repeat(200)}${secret}`;
    const reason = describeKafkaError(new Error(message));
    expect(reason).toBe(`Kafka error: ${'m'.repeat(200)}`);
    expect(reason).not.toContain('hunter2');
  });

  it('describes a thrown non-Error by its text', () => {
    expect(describeKafkaError('boom')).toBe('Kafka error: boom');
    expect(describeKafkaError(undefined)).toBe('Kafka error: undefined');
  });
});

describe('isAccessError', () => {
  it('is true for refused credentials and ACLs, false for an outage', () => {
    expect(isAccessError(new Error('SASL PLAIN authentication failed'))).toBe(true);
    expect(isAccessError(protocolError('TOPIC_AUTHORIZATION_FAILED', 'x'))).toBe(true);
    expect(isAccessError(protocolError('GROUP_AUTHORIZATION_FAILED', 'x'))).toBe(true);
    expect(isAccessError(new Error('connect ECONNREFUSED 127.0.0.1:9092'))).toBe(false);
    expect(isAccessError(new Error('something else'))).toBe(false);
  });
});
