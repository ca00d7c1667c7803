import { stallDetectingSocketFactory } from '../connection/stall-detecting-socket.js';
import type { AdminConfig, KafkaConfig, ProducerConfig, RetryOptions } from '../kafkajs.js';

/** kafkajs settings of the producer, derived from the one budget a POST has: its produce timeout. */
export interface ProducerFailoverTuning {
  /** Client settings: a request (or connection) that gets no answer is given up in time to try another broker. */
  readonly client: Pick<
    KafkaConfig,
    'requestTimeout' | 'connectionTimeout' | 'retry' | 'socketFactory'
  >;
  /** Producer settings: retries that span the whole budget, with metadata fresh enough to find a new leader. */
  readonly producer: Pick<ProducerConfig, 'retry' | 'metadataMaxAge'>;
  /** Admin settings (the readiness probe): retried by the admin itself, which picks a broker again each time. */
  readonly admin: Pick<AdminConfig, 'retry'>;
  /** How long the broker may hold a write waiting for the in-sync replicas (the produce request's `timeout`). */
  readonly ackTimeoutMs: number;
  /**
   * A leader that has not answered a batch this long is taken as stuck or cut off: half a request
   * timeout, many times what a healthy one takes, so keyless records go elsewhere well within it.
   */
  readonly slowLeaderMs: number;
  /** How long a request may go unanswered before kafkajs gives it up (the client's requestTimeout). */
  readonly requestTimeoutMs: number;
}

/**
 * A leader change is ridden through when kafkajs keeps retrying for the whole produce timeout
 * instead of giving up after its default ~1.5 s of retries: a SIGKILLed leader stays in the
 * metadata until the cluster fences it (broker.session.timeout.ms, 9 s by default), and a frozen
 * one answers nothing, so each request must time out well inside the budget and the retry must
 * ask for fresh metadata. kafkajs refreshes metadata after connection and broker errors but not
 * after a request timeout; a metadata age no longer than the request timeout makes it refresh
 * then too, and a connection that stops answering is closed so that neither metadata nor
 * retries keep going to a frozen broker. Retrying the same batch is safe: the producer is
 * idempotent, so the broker drops a
 * batch it already has.
 */
export function producerFailoverTuning(produceTimeoutMs: number): ProducerFailoverTuning {
  const requestTimeout = Math.max(1_000, Math.min(30_000, Math.round(produceTimeoutMs / 4)));
  // The retries end when the batch's produce timeout is spent (routed-message.ts): kafkajs only
  // counts them, and a count ran out before the budget when attempts failed fast. The count is a
  // backstop, twice the budget at the longest backoff, for attempts that fail before the check.
  const retry: RetryOptions = {
    retries: Math.ceil((2 * produceTimeoutMs) / 1_000) + 4,
    initialRetryTime: 100,
    maxRetryTime: 1_000,
  };
  // The client's own retries (reconnecting, and a metadata request inside one produce attempt) end
  // the send at once when exhausted (kafkajs does not retry that error), so they span the budget too.
  const clientRetry: RetryOptions = {
    retries: Math.ceil(produceTimeoutMs / 1_000) + 2,
    initialRetryTime: 100,
    maxRetryTime: 1_000,
  };
  return {
    client: {
      requestTimeout,
      // Longer than the socket's own handshake limit, whose error says the broker is frozen, not gone.
      connectionTimeout: requestTimeout + 500,
      // Used by kafkajs to reconnect (each attempt to the next seed broker, so a dead one is
      // skipped) and to retry a metadata request (on the broker it first chose, which the
      // stall-detecting socket below drops if it is frozen); the producer's retry spans the rest.
      retry: clientRetry,
      // A broker that stops answering (frozen) is dropped like one that died.
      socketFactory: stallDetectingSocketFactory(requestTimeout),
    },
    producer: { retry, metadataMaxAge: requestTimeout },
    admin: { retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 } },
    // Shorter than the request timeout: the broker answers REQUEST_TIMED_OUT (retriable, and
    // kafkajs refreshes metadata after it) before the client gives up on the connection.
    ackTimeoutMs: Math.max(500, requestTimeout - 500),
    slowLeaderMs: Math.round(requestTimeout / 2),
    requestTimeoutMs: requestTimeout,
  };
}
