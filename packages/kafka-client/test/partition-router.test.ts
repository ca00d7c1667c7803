import { Partitioners, type Message, type PartitionMetadata } from '../src/kafkajs.js';
import { describe, expect, it } from 'vitest';
import { PartitionRouter } from '../src/routing/partition-router.js';

const partitions = (leaders: readonly number[]): PartitionMetadata[] =>
  leaders.map((leader, partitionId) => ({
    partitionId,
    leader,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    partitionErrorCode: 0,
    offlineReplicas: [],
  }));

describe('PartitionRouter', () => {
  it('leaves the choice to kafkajs until it has seen the topic', () => {
    const router = new PartitionRouter();
    const message: Message = { value: 'v' };
    expect(router.route('t', message)).toBeUndefined();
    expect(message.partition).toBeUndefined();
    expect(router.leaderOf('t', 0)).toBe(-1);
  });

  it("sends a keyed record where kafkajs' default partitioner sends its key", () => {
    const router = new PartitionRouter();
    const six = partitions([1, 2, 3, 1, 2, 3]);
    router.observe('t', six);
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const key of ['a', 'b', 'order-17', 'k5', 'émoji-🙂']) {
      const expected = kafkajs({
        topic: 't',
        partitionMetadata: six,
        message: { key, value: 'v' },
      });
      expect(router.route('t', { key, value: 'v' }, new Set([expected]))).toBe(expected);
    }
  });

  it('spreads keyless records over the partitions that have a leader, and keeps them off those to avoid', () => {
    const router = new PartitionRouter();
    router.observe('t', partitions([1, 2, -1, 1, 2, 3]));
    const spread = new Set(Array.from({ length: 60 }, () => router.route('t', { value: 'v' })));
    expect(spread).toEqual(new Set([0, 1, 3, 4, 5]));
    const avoid = new Set([0, 3]);
    const around = new Set(
      Array.from({ length: 60 }, () => router.route('t', { value: 'v' }, avoid)),
    );
    expect(around).toEqual(new Set([1, 4, 5]));
    expect(router.leaderOf('t', 4)).toBe(2);
    expect(router.leaderOf('t', 2)).toBe(-1);
  });

  it('follows a leader change kafkajs saw', () => {
    const router = new PartitionRouter();
    router.observe('t', partitions([1, 2, 3]));
    router.observe('t', partitions([2, 2, 3]));
    expect(router.leaderOf('t', 0)).toBe(2);
  });
});
