import { describe, expect, it } from 'vitest';
import { producerFailoverTuning as failoverTuning } from '../src/tuning/producer-failover-tuning.js';

/** The longest kafkajs waits between its attempts, in total, for `retries` (its backoff doubles up to maxRetryTime; jitter left out). */
function backoffTotal(retries: number, initial: number, max: number): number {
  let total = 0;
  for (let n = 0, wait = initial; n < retries; n++, wait = Math.min(wait * 2, max)) total += wait;
  return total;
}

describe('failoverTuning', () => {
  it.each([500, 1_000, 2_000, 10_000, 60_000, 600_000])(
    'keeps its timeouts in order for PRODUCE_TIMEOUT_MS=%i',
    (produceTimeoutMs) => {
      const t = failoverTuning(produceTimeoutMs);
      const requestTimeout = t.client.requestTimeout ?? 0;
      // The broker gives up waiting for the in-sync replicas (REQUEST_TIMED_OUT, retriable) before
      // the client gives up on the request, and before the stall-detecting socket calls it frozen.
      expect(t.ackTimeoutMs).toBeGreaterThan(0);
      expect(t.ackTimeoutMs).toBeLessThanOrEqual(requestTimeout - 500);
      // The socket's handshake limit (the request timeout) comes before kafkajs' connection timeout.
      expect(t.client.connectionTimeout).toBeGreaterThan(requestTimeout);
      // Metadata is refreshed at least once per request timeout, so a retry finds the new leader.
      expect(t.producer.metadataMaxAge).toBeLessThanOrEqual(requestTimeout);
      expect(requestTimeout).toBeGreaterThanOrEqual(1_000);
      expect(requestTimeout).toBeLessThanOrEqual(30_000);
    },
  );

  it.each([2_000, 10_000, 60_000])(
    'retries fast failures (a dead leader) for the whole budget of %i ms, and fits several request timeouts into it',
    (produceTimeoutMs) => {
      const t = failoverTuning(produceTimeoutMs);
      const { retries = 0, initialRetryTime = 0, maxRetryTime = 0 } = t.producer.retry ?? {};
      expect(backoffTotal(retries, initialRetryTime, maxRetryTime)).toBeGreaterThanOrEqual(
        produceTimeoutMs * 0.75,
      );
      expect(produceTimeoutMs / (t.client.requestTimeout ?? Infinity)).toBeGreaterThanOrEqual(2);
    },
  );
});
