import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classifyKafkaError } from '../src/errors/classify-kafka-error.js';
import { STALLED_CODE } from '../src/connection/stall-detecting-socket.js';
import { describeKafkaError, isAccessError } from '../src/errors/describe-kafka-error.js';

const {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} = kafkajs;
// kafkajs' typings leave these constructors' arguments (or the class) out; these are their run-time shapes.
const runtime = kafkajs as unknown as {
  KafkaJSSASLAuthenticationError: new (message: string) => Error;
  KafkaJSNonRetriableError: new (error: Error, options: { cause: Error }) => Error;
  KafkaJSConnectionClosedError: new (
    message: string,
    options: { host: string; port: number },
  ) => Error;
};
const sasl = (message: string): Error => new runtime.KafkaJSSASLAuthenticationError(message);

const AUTH =
  'Kafka rejected the credentials (authentication failed): check the binding username, password and sasl.mechanism';
const TOPIC = 'Kafka refused access to the topic: its name must start with the binding topicPrefix';
const GROUP =
  'Kafka refused access to the consumer group: its name must start with the binding topicPrefix';
const UNREACHABLE = 'Kafka is not reachable';

/** A broker error as kafkajs builds it from the protocol's error table (`type`, `code`, `retriable`). */
const protocolError = (type: string, retriable: boolean, message = 'broker says no'): Error =>
  new KafkaJSProtocolError({ type, code: 0, retriable, message } as unknown as Error);

const timeoutError = (): Error =>
  new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out', {
    broker: 'b:9092',
    clientId: 'c',
    correlationId: 1,
    createdAt: 0,
    sentAt: 0,
    pendingDuration: 30_000,
  });

describe('classifyKafkaError', () => {
  it('reads a KafkaJSSASLAuthenticationError as rejected credentials whatever its message', () => {
    expect(classifyKafkaError(sasl('unexpected server response'))).toEqual({
      kind: 'authentication',
      retriable: false,
      access: true,
      reason: AUTH,
    });
  });

  it('reads the broker error types of refused access, not their wording', () => {
    expect(describeKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', false, 'denied'))).toBe(
      TOPIC,
    );
    expect(describeKafkaError(protocolError('GROUP_AUTHORIZATION_FAILED', false))).toBe(GROUP);
    expect(describeKafkaError(protocolError('SASL_AUTHENTICATION_FAILED', false))).toBe(AUTH);
    expect(classifyKafkaError(protocolError('CLUSTER_AUTHORIZATION_FAILED', false)).access).toBe(
      true,
    );
  });

  it('does not take message text for a class: an Error that merely mentions SASL is not an access error', () => {
    const plain = classifyKafkaError(new Error('SASL SCRAM SHA512 authentication failed'));
    expect(plain.kind).toBe('other');
    expect(plain.access).toBe(false);
  });

  it('looks through aggregates (createTopics) to their first cause', () => {
    const aggregate = new KafkaJSAggregateError('Topic creation errors', [
      protocolError('TOPIC_AUTHORIZATION_FAILED', false),
      protocolError('TOPIC_ALREADY_EXISTS', false),
    ]);
    expect(describeKafkaError(aggregate)).toBe(TOPIC);
  });

  it('looks through exhausted retries and a retrier that bailed out to the cause', () => {
    const refused = new KafkaJSConnectionError(
      'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      { broker: 'b:9092', code: 'ECONNREFUSED' },
    );
    expect(
      classifyKafkaError(
        new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 3000 }),
      ),
    ).toEqual({ kind: 'unreachable', retriable: true, access: false, reason: UNREACHABLE });
    const bailed = new runtime.KafkaJSNonRetriableError(
      protocolError('TOPIC_AUTHORIZATION_FAILED', false),
      { cause: protocolError('TOPIC_AUTHORIZATION_FAILED', false) },
    );
    expect(describeKafkaError(bailed)).toBe(TOPIC);
  });

  it('reads connection errors as unreachable and retriable, a closed connection included', () => {
    expect(
      classifyKafkaError(new KafkaJSConnectionError('Connection timeout', { broker: 'b:9092' }))
        .kind,
    ).toBe('unreachable');
    expect(
      classifyKafkaError(
        new runtime.KafkaJSConnectionClosedError('Closed connection', { host: 'b', port: 9092 }),
      ).retriable,
    ).toBe(true);
  });

  it('reads a TLS failure by the socket error code kafkajs carries, and names the code only', () => {
    const error = new KafkaJSConnectionError(
      `Connection error: self-signed certificate in certificate chain ${'z'.repeat(300)}`,
      { broker: 'b:9094', code: 'SELF_SIGNED_CERT_IN_CHAIN' },
    );
    expect(classifyKafkaError(error)).toEqual({
      kind: 'tls',
      retriable: false,
      access: false,
      reason: 'TLS with the broker failed (SELF_SIGNED_CERT_IN_CHAIN): check the binding ca',
    });
  });

  it('reads a client certificate the broker refused (a TLS alert it sent) as an access error, not as unreachable', async () => {
    // A real handshake against a listener that requires a client certificate, as the MTLS one does, given none.
    const fixture = (name: string): string =>
      readFileSync(
        new URL(`../../config/test/fixtures/client-tls/${name}`, import.meta.url),
        'utf8',
      );
    const server = createServer(
      {
        cert: fixture('client.crt'),
        key: fixture('client.key'),
        ca: fixture('clients-ca.pem'),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (s) => s.on('error', () => {}),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const code = await new Promise<string>((resolve) => {
        const socket = connect({
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          rejectUnauthorized: false,
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''));
        socket.on('secureConnect', () => socket.write('ApiVersions'));
      });
      const refused = classifyKafkaError(
        new KafkaJSConnectionError('Connection error: alert', { broker: 'b:9095', code }),
      );
      expect(refused).toEqual({
        kind: 'client-certificate',
        retriable: false,
        access: true,
        reason: `Kafka refused the client certificate (${code}): check the binding cert and key, and that the broker trusts their CA`,
      });
    } finally {
      server.close();
    }
    // What a Java broker sends for a certificate from a CA it does not trust.
    expect(
      isAccessError(
        new KafkaJSConnectionError('x', {
          broker: 'b:9095',
          code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
        }),
      ),
    ).toBe(true);
  });

  it('reads a request timeout, and a connection we dropped for its silence, as no answer in time, retriable', () => {
    expect(classifyKafkaError(timeoutError())).toEqual({
      kind: 'timeout',
      retriable: true,
      access: false,
      reason: 'Kafka did not answer in time',
    });
    const stalled = new KafkaJSConnectionError('Connection error: no answer', {
      broker: 'b:9094',
      code: STALLED_CODE,
    });
    expect(classifyKafkaError(stalled)).toMatchObject({ kind: 'timeout', retriable: true });
  });

  it('reads a leader change and too few in-sync replicas as retriable, a too large message as not', () => {
    expect(classifyKafkaError(protocolError('NOT_LEADER_OR_FOLLOWER', true))).toMatchObject({
      kind: 'leader-moved',
      retriable: true,
    });
    expect(classifyKafkaError(protocolError('NOT_ENOUGH_REPLICAS', true))).toMatchObject({
      kind: 'not-enough-replicas',
      retriable: true,
    });
    expect(classifyKafkaError(protocolError('MESSAGE_TOO_LARGE', false))).toMatchObject({
      kind: 'too-large',
      retriable: false,
    });
  });

  it("reads the idempotent producer's refused sequence numbers, id or epoch as this producer's state, not an outage", () => {
    for (const type of [
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      'UNKNOWN_PRODUCER_ID',
      'INVALID_PRODUCER_EPOCH',
    ]) {
      expect(classifyKafkaError(protocolError(type, false))).toMatchObject({
        kind: 'producer-state',
        retriable: true,
        access: false,
      });
    }
  });

  it("keeps kafkajs' own retriable flag for broker errors it has no kind for", () => {
    expect(classifyKafkaError(protocolError('COORDINATOR_LOAD_IN_PROGRESS', true))).toEqual({
      kind: 'other',
      retriable: true,
      access: false,
      reason: 'Kafka error: COORDINATOR_LOAD_IN_PROGRESS',
    });
  });

  it('keeps at most the first 200 characters of an unknown error, so a secret further on is not shown', () => {
    const reason = describeKafkaError(new Error(`${'m'.repeat(200)}password=hunter2-SECRET`));
    expect(reason).toBe(`Kafka error: ${'m'.repeat(200)}`);
    expect(describeKafkaError('boom')).toBe('Kafka error: boom');
    expect(describeKafkaError(undefined)).toBe('Kafka error: undefined');
  });
});

describe('isAccessError', () => {
  it('is true for refused credentials and ACLs, false for an outage or a timeout', () => {
    expect(isAccessError(sasl('SASL PLAIN authentication failed'))).toBe(true);
    expect(isAccessError(protocolError('TOPIC_AUTHORIZATION_FAILED', false))).toBe(true);
    expect(
      isAccessError(
        new KafkaJSConnectionError('Connection error', { broker: 'b:9092', code: 'ECONNREFUSED' }),
      ),
    ).toBe(false);
    expect(isAccessError(timeoutError())).toBe(false);
  });
});
