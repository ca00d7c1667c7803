import { createRequire } from 'node:module';
import { Partitioners, type Message, type PartitionMetadata } from '../src/kafkajs.js';
import { describe, expect, it } from 'vitest';
import { producerFailoverTuning as failoverTuning } from '../src/tuning/producer-failover-tuning.js';
import {
  chosenPartition,
  firstChoicePartitioner,
  retryBatchUntilLatest,
  retryUntil,
  RetryTimeSpent,
} from '../src/routing/routed-message.js';

/** kafkajs' own retrier, the one its producer runs a send through (kafkajs exports it only from its sources). */
type Retrier = <T>(fn: (bail: (e: Error) => void, retryCount: number) => Promise<T>) => Promise<T>;
const createRetry = createRequire(import.meta.url)('kafkajs/src/retry') as (
  options: object,
) => Retrier;

const sixPartitions: PartitionMetadata[] = Array.from({ length: 6 }, (_, i) => ({
  partitionId: i,
  leader: (i % 3) + 1,
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  partitionErrorCode: 0,
  offlineReplicas: [],
}));

describe('firstChoicePartitioner', () => {
  it('keeps the partition first chosen for a message when kafkajs partitions the batch again on a retry', () => {
    const partition = firstChoicePartitioner(Partitioners.DefaultPartitioner)();
    const messages: Message[] = Array.from({ length: 12 }, (_, i) => ({ value: `v${i}` }));
    const first = messages.map((message) =>
      partition({ topic: 't', partitionMetadata: sixPartitions, message }),
    );
    // A retry after a leader moved: the same records, partitioned again (keyless records would be spread anew).
    const again = messages.map((message) =>
      partition({ topic: 't', partitionMetadata: sixPartitions.slice(0, 3), message }),
    );
    expect(again).toEqual(first);
    expect(messages.map(chosenPartition)).toEqual(first);
    // Not trivially one partition for all: the records were spread.
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('ends the retries of a batch once the latest of its messages has spent its time', () => {
    const partition = firstChoicePartitioner(Partitioners.DefaultPartitioner)();
    const old: Message = { value: 'old' };
    const recent: Message = { value: 'recent' };
    retryUntil(old, Date.now() - 1);
    const recentUntil = Date.now() + 60_000;
    retryUntil(recent, recentUntil);
    expect(retryBatchUntilLatest([old, recent])).toBe(recentUntil);
    // The old one answered 503 already; ending now would answer the recent one before its time.
    expect(() =>
      partition({ topic: 't', partitionMetadata: sixPartitions, message: old }),
    ).not.toThrow();
    retryUntil(recent, Date.now() - 1);
    retryBatchUntilLatest([recent]);
    expect(() =>
      partition({ topic: 't', partitionMetadata: sixPartitions, message: recent }),
    ).toThrow(RetryTimeSpent);
  });

  it('with the producer tuning, kafkajs retries fast failures until the produce timeout, not until a count runs out', async () => {
    const produceTimeoutMs = 2_000;
    const retrier = createRetry(failoverTuning(produceTimeoutMs).producer.retry ?? {});
    const partition = firstChoicePartitioner(Partitioners.DefaultPartitioner)();
    const message: Message = { value: 'v' };
    const started = Date.now();
    retryUntil(message, started + produceTimeoutMs);
    let attempts = 0;
    // Every attempt partitions the batch and fails at once with a retriable error (NOT_ENOUGH_REPLICAS,
    // or a dead leader not yet fenced); as kafkajs' sendMessages does, an error that is not retriable bails.
    const outcome = await retrier(async (bail) => {
      attempts += 1;
      try {
        partition({ topic: 't', partitionMetadata: sixPartitions, message });
      } catch (error) {
        bail(error as Error);
        throw error;
      }
      throw Object.assign(new Error('NOT_ENOUGH_REPLICAS'), { retriable: true });
    }).catch((error: unknown) => error);
    const spent = Date.now() - started;
    expect(outcome).toBeInstanceOf(RetryTimeSpent);
    expect(spent).toBeGreaterThanOrEqual(produceTimeoutMs);
    // ...and it stops there: within one longest backoff (1 s) and some scheduling.
    expect(spent).toBeLessThan(produceTimeoutMs + 1_500);
    expect(attempts).toBeGreaterThan(3);
  });
});
