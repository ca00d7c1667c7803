import type * as Kafkajs from 'kafkajs';
import { STALLED_CODE } from '../connection/stall-detecting-socket.js';
import { kafkajsRequire } from '../fixes/kafkajs-version.js';

// kafkajs' error classes from their own module, which binds nothing the fixes swap: the fixes
// classify errors too, and must not load the rest of kafkajs before they are applied.
type KafkajsErrors = Pick<
  typeof Kafkajs,
  | 'KafkaJSAggregateError'
  | 'KafkaJSBrokerNotFound'
  | 'KafkaJSConnectionError'
  | 'KafkaJSError'
  | 'KafkaJSMetadataNotLoaded'
  | 'KafkaJSNonRetriableError'
  | 'KafkaJSNumberOfRetriesExceeded'
  | 'KafkaJSProtocolError'
  | 'KafkaJSRequestTimeoutError'
  | 'KafkaJSSASLAuthenticationError'
  | 'KafkaJSTimeout'
>;
const kafkajsErrors = kafkajsRequire('kafkajs/src/errors.js') as KafkajsErrors;

const {
  KafkaJSAggregateError,
  KafkaJSBrokerNotFound,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSMetadataNotLoaded,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSTimeout,
} = kafkajsErrors;
// Exported at run time but missing from kafkajs' typings.
const { KafkaJSNoBrokerAvailableError } = kafkajsErrors as unknown as {
  KafkaJSNoBrokerAvailableError: typeof KafkaJSError;
};

/** What went wrong with Kafka, in the terms the apps act on. */
export type KafkaErrorKind =
  | 'authentication'
  | 'topic-access'
  | 'group-access'
  | 'cluster-access'
  | 'client-certificate'
  | 'tls'
  | 'unreachable'
  | 'timeout'
  | 'too-large'
  | 'not-enough-replicas'
  | 'leader-moved'
  | 'producer-state'
  | 'other';

/** The kinds with a fixed reason. */
type PlainKind = Exclude<KafkaErrorKind, 'tls' | 'client-certificate' | 'other'>;

/** A classified Kafka error: its kind, whether trying again can help, and a reason without secrets. */
export interface KafkaErrorClass {
  readonly kind: KafkaErrorKind;
  /** Trying again later can succeed (an outage or a leader change, not a refusal). */
  readonly retriable: boolean;
  /** Whether the broker refused us (credentials or ACLs) rather than being away. */
  readonly access: boolean;
  /** A short reason a user can act on (for /readyz, logs and 503 bodies). */
  readonly reason: string;
}

/** Broker error codes (kafkajs' `type`) that say who we are or what we may do is refused. */
const ACCESS_TYPES: Readonly<Record<string, PlainKind>> = {
  SASL_AUTHENTICATION_FAILED: 'authentication',
  ILLEGAL_SASL_STATE: 'authentication',
  UNSUPPORTED_SASL_MECHANISM: 'authentication',
  TOPIC_AUTHORIZATION_FAILED: 'topic-access',
  GROUP_AUTHORIZATION_FAILED: 'group-access',
  CLUSTER_AUTHORIZATION_FAILED: 'cluster-access',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'cluster-access',
};

const OTHER_TYPES: Readonly<Record<string, PlainKind>> = {
  MESSAGE_TOO_LARGE: 'too-large',
  RECORD_LIST_TOO_LARGE: 'too-large',
  NOT_ENOUGH_REPLICAS: 'not-enough-replicas',
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 'not-enough-replicas',
  NOT_LEADER_FOR_PARTITION: 'leader-moved',
  NOT_LEADER_OR_FOLLOWER: 'leader-moved',
  LEADER_NOT_AVAILABLE: 'leader-moved',
  FENCED_LEADER_EPOCH: 'leader-moved',
  UNKNOWN_LEADER_EPOCH: 'leader-moved',
  REQUEST_TIMED_OUT: 'timeout',
  // The idempotent producer's sequence numbers or id no longer match the partition's state (seen
  // after a leader cut off from its peers was fenced): only this producer is stuck, not Kafka.
  OUT_OF_ORDER_SEQUENCE_NUMBER: 'producer-state',
  UNKNOWN_PRODUCER_ID: 'producer-state',
  INVALID_PRODUCER_EPOCH: 'producer-state',
};

/** Node's TLS error codes (on the socket error kafkajs wraps), which mean the broker's certificate was not trusted. */
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Node's codes for a TLS alert the broker sent: with mutual TLS these answer our client
 * certificate (missing, from a CA the broker does not trust, expired), which is a refusal of who
 * we are, not an outage. (Java brokers send certificate_unknown or bad_certificate, and
 * certificate_required under TLS 1.3 when none was given.)
 */
const CLIENT_CERTIFICATE_ALERTS = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
]);

const REASONS: Readonly<Record<PlainKind, string>> = {
  authentication:
    'Kafka rejected the credentials (authentication failed): check the binding username, password and sasl.mechanism',
  'topic-access':
    'Kafka refused access to the topic: its name must start with the binding topicPrefix',
  'group-access':
    'Kafka refused access to the consumer group: its name must start with the binding topicPrefix',
  'cluster-access': 'Kafka refused a cluster operation to the binding user: check its ACLs',
  unreachable: 'Kafka is not reachable',
  timeout: 'Kafka did not answer in time',
  'too-large': 'Kafka refused the message as too large for the topic',
  'not-enough-replicas': 'Kafka has too few in-sync replicas to accept writes (brokers are down)',
  'leader-moved': 'the partition leader is moving to another broker',
  'producer-state':
    "Kafka refused the producer's sequence numbers (out of step after a failover): a new producer id is taken",
};

/**
 * The one place that reads kafkajs errors: by their classes, their broker error `type` and
 * their `retriable` flag, never by their message. Looks through the wrappers kafkajs puts
 * around the cause (retries exhausted, an aggregate of per-topic errors).
 */
export function classifyKafkaError(error: unknown): KafkaErrorClass {
  const cause = kafkaErrorCause(error);
  const type =
    typeof cause === 'object' && cause !== null && 'type' in cause ? String(cause.type) : '';
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : '';
  const retriable = cause instanceof KafkaJSError ? cause.retriable : false;
  if (cause instanceof KafkaJSSASLAuthenticationError) return known('authentication', false);
  const access = ACCESS_TYPES[type];
  if (access) return known(access, false);
  const other = OTHER_TYPES[type];
  if (other) return known(other, other !== 'too-large');
  if (cause instanceof KafkaJSConnectionError) {
    if (CLIENT_CERTIFICATE_ALERTS.has(code)) {
      return {
        kind: 'client-certificate',
        retriable: false,
        access: true,
        reason:
          `Kafka refused the client certificate (${code}): check the binding cert and key, ` +
          `and that the broker trusts their CA`,
      };
    }
    if (TLS_CODES.has(code)) {
      return {
        kind: 'tls',
        retriable: false,
        access: false,
        reason: `TLS with the broker failed (${code}): check the binding ca`,
      };
    }
    // Dropped by us because the broker stopped answering: it is there, but frozen or stalled.
    if (code === STALLED_CODE) return known('timeout', true);
    return known('unreachable', true);
  }
  if (cause instanceof KafkaJSNoBrokerAvailableError || cause instanceof KafkaJSBrokerNotFound)
    return known('unreachable', true);
  if (cause instanceof KafkaJSMetadataNotLoaded) return known('leader-moved', true);
  if (cause instanceof KafkaJSRequestTimeoutError || cause instanceof KafkaJSTimeout)
    return known('timeout', true);
  if (cause instanceof KafkaJSProtocolError)
    return { kind: 'other', retriable, access: false, reason: `Kafka error: ${type || 'unknown'}` };
  const message = cause instanceof Error ? cause.message : String(cause);
  // Not a kafkajs error (a bug of ours, a socket error kafkajs let through): keep it short, as it may echo input.
  return {
    kind: 'other',
    retriable,
    access: false,
    reason: `Kafka error: ${message.slice(0, 200)}`,
  };
}

function known(kind: PlainKind, retriable: boolean): KafkaErrorClass {
  return {
    kind,
    retriable,
    access: ['authentication', 'topic-access', 'group-access', 'cluster-access'].includes(kind),
    reason: REASONS[kind],
  };
}

/** The error under kafkajs' wrappers: the cause of exhausted retries, the first of an aggregate. */
export function kafkaErrorCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    // Retries exhausted, or a retrier that gave up (bail wraps the cause in a bare KafkaJSNonRetriableError).
    const wrapper =
      current instanceof KafkaJSNumberOfRetriesExceeded ||
      (current instanceof KafkaJSNonRetriableError && current.name === 'KafkaJSNonRetriableError');
    if (
      wrapper &&
      current instanceof Error &&
      current.cause !== undefined &&
      current.cause !== current
    )
      current = current.cause;
    else if (current instanceof KafkaJSAggregateError && current.errors.length > 0)
      current = current.errors[0];
    else break;
  }
  return current;
}
