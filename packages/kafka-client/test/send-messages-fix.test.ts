import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import '../src/kafkajs.js';
import { applyKafkajsFixes } from '../src/fixes/kafkajs-fixes.js';
import type { CreateSendMessages, Retrier } from '../src/fixes/send-messages-fix.js';
import { kafkajsOriginal } from './kafkajs-original.js';

// This drives kafkajs' own sendMessages, retrier and errors against brokers that are functions:
// what is tested is kafkajs' retry logic around its requests, not Kafka (the campaign and the
// producer's Kafka tests send to real brokers).
const require = createRequire(import.meta.url);
const SEND_MESSAGES = 'kafkajs/src/producer/sendMessages.js';
const createRetry = require('kafkajs/src/retry/index.js') as (options: object) => Retrier;
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error;
};
const NOT_ENOUGH_REPLICAS = 19;

const kafkajsSendMessages = (): CreateSendMessages =>
  kafkajsOriginal<CreateSendMessages>(SEND_MESSAGES);

interface ProduceCall {
  readonly nodeId: number;
  readonly partition: number;
  readonly firstSequence: number;
  readonly records: number;
}

interface TopicData {
  readonly topic: string;
  readonly partitions: ReadonlyArray<{
    partition: number;
    firstSequence: number;
    messages: unknown[];
  }>;
}

/**
 * Two leaders: broker 1 (partition 0) answers after `slowMs`; broker 2 (partition 1) fails its
 * first request at once with a retriable error, as a leader cut off from its peers answers
 * NOT_ENOUGH_REPLICAS, and then succeeds. Each broker appends what it is sent, as Kafka does
 * with an idempotent producer: a batch whose sequence it has seen is a duplicate (dropped, the
 * first offset answered), one with the next sequence is appended.
 */
function twoLeaders(slowMs: number) {
  const calls: ProduceCall[] = [];
  const logs = new Map<number, number[]>([
    [0, []],
    [1, []],
  ]);
  let failuresLeft = 1;
  const broker = (nodeId: number) => ({
    nodeId,
    async produce({ topicData }: { topicData: readonly TopicData[] }) {
      if (nodeId === 1) await sleep(slowMs);
      else if (failuresLeft-- > 0) throw createErrorFromCode(NOT_ENOUGH_REPLICAS);
      const partitions = (topicData[0]?.partitions ?? []).map(
        ({ partition, firstSequence, messages }) => {
          calls.push({ nodeId, partition, firstSequence, records: messages.length });
          const log = logs.get(partition) ?? [];
          const known = log.indexOf(firstSequence);
          const baseOffset = known >= 0 ? known : log.length;
          if (known < 0) for (let i = 0; i < messages.length; i++) log.push(firstSequence + i);
          return {
            partition,
            errorCode: 0,
            baseOffset: String(baseOffset),
            logAppendTime: '-1',
            logStartOffset: '0',
          };
        },
      );
      return { topics: [{ topicName: 'events', partitions }], throttleTime: 0 };
    },
  });
  const brokers = new Map([
    [1, broker(1)],
    [2, broker(2)],
  ]);
  const leaderOf = (partition: number): number => (partition === 0 ? 1 : 2);
  const cluster = {
    refreshMetadataIfNecessary: async () => {},
    refreshMetadata: async () => {},
    addMultipleTargetTopics: async () => {},
    isConnected: () => true,
    removeBroker: () => {},
    findTopicPartitionMetadata: () => [
      { partitionId: 0, leader: 1 },
      { partitionId: 1, leader: 2 },
    ],
    findLeaderForPartitions: (_topic: string, partitions: readonly string[]) =>
      partitions.reduce<Record<number, number[]>>((result, id) => {
        const partition = Number(id);
        const leader = leaderOf(partition);
        result[leader] = [...(result[leader] ?? []), partition];
        return result;
      }, {}),
    findBroker: async ({ nodeId }: { nodeId: string }) => brokers.get(Number(nodeId)),
  };
  // kafkajs' EosManager of an idempotent producer, reduced to what sendMessages uses: a sequence
  // per partition and a lock per broker.
  const sequences = new Map<number, number>();
  const locks = new Map<string, Promise<void>>();
  const releases = new Map<string, () => void>();
  const eosManager = {
    isTransactional: () => false,
    getTransactionalId: () => undefined,
    getProducerId: () => 1000,
    getProducerEpoch: () => 0,
    getSequence: (_topic: string, partition: number) => sequences.get(partition) ?? 0,
    updateSequence: (_topic: string, partition: number, increment: number) =>
      sequences.set(partition, (sequences.get(partition) ?? 0) + increment),
    async acquireBrokerLock({ nodeId }: { nodeId: number | string }) {
      const key = String(nodeId);
      while (locks.has(key)) await locks.get(key);
      locks.set(key, new Promise((resolve) => releases.set(key, resolve)));
    },
    releaseBrokerLock({ nodeId }: { nodeId: number | string }) {
      const key = String(nodeId);
      locks.delete(key);
      releases.get(key)?.();
    },
  };
  const quiet = () => {};
  const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
  // The producer's tuning retries from 100 ms; the first retry comes well before the slow answer.
  const retrier = createRetry({ retries: 5, initialRetryTime: 20, maxRetryTime: 100 });
  const partitioner = ({ message }: { message: { partition: number } }) => message.partition;
  const send = (create: CreateSendMessages) =>
    create({ logger, cluster, partitioner, eosManager, retrier })({
      acks: -1,
      timeout: 1000,
      topicMessages: [
        {
          topic: 'events',
          messages: [
            { partition: 0, value: 'a' },
            { partition: 0, value: 'b' },
            { partition: 1, value: 'c' },
          ],
        },
      ],
    }) as Promise<Array<{ partition: number; baseOffset: string }>>;
  return { send, calls, logs };
}

describe('kafkajs sendMessages: a retry while a request to another broker is in flight', () => {
  it('is swapped in before kafkajs loads its message producer', () => {
    expect(applyKafkajsFixes().get('send-messages-retry-overlap')).toBe(true);
  });

  it('kafkajs 2.2.4 itself sends the slow broker its records again, with new sequence numbers, so they are written twice', async () => {
    const { send, calls, logs } = twoLeaders(300);
    await send(kafkajsSendMessages());
    const toSlowBroker = calls.filter((call) => call.nodeId === 1);
    expect(toSlowBroker.map((call) => call.firstSequence)).toEqual([0, 2]);
    expect(logs.get(0)).toEqual([0, 1, 2, 3]);
  });

  it('with the fix, the next attempt waits for the request in flight: each record is written once, at the offsets answered', async () => {
    const { send, calls, logs } = twoLeaders(300);
    const answered = await send(require(SEND_MESSAGES) as CreateSendMessages);
    expect(calls.filter((call) => call.nodeId === 1)).toEqual([
      { nodeId: 1, partition: 0, firstSequence: 0, records: 2 },
    ]);
    expect(calls.filter((call) => call.nodeId === 2)).toEqual([
      { nodeId: 2, partition: 1, firstSequence: 0, records: 1 },
    ]);
    expect(logs.get(0)).toEqual([0, 1]);
    expect(logs.get(1)).toEqual([0]);
    expect(answered.map(({ partition, baseOffset }) => [partition, baseOffset]).sort()).toEqual([
      [0, '0'],
      [1, '0'],
    ]);
  });
});
