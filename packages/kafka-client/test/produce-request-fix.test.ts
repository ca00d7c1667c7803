import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import '../src/kafkajs.js';
import { applyKafkajsFixes } from '../src/fixes/kafkajs-fixes.js';
import { kafkajsOriginal } from './kafkajs-original.js';

const require = createRequire(import.meta.url);

interface Args {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: Array<{
    topic: string;
    partitions: Array<{ partition: number; firstSequence?: number; messages: object[] }>;
  }>;
}
type RequestModule = (args: Args) => {
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }>;
};

// kafkajs' internals have no types: typed by what is used here.
const Long = require('kafkajs/src/utils/long.js') as { fromString(value: string): unknown };
/** The produce requests as this process builds them (v7 is what a current broker gets). */
const v3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as RequestModule;
const v7 = require('kafkajs/src/protocol/requests/produce/v7/request.js') as RequestModule;
/** kafkajs' own v3 request. */
const original = kafkajsOriginal<RequestModule>(
  'kafkajs/src/protocol/requests/produce/v3/request.js',
);

const bytes = async (module: RequestModule, args: Args): Promise<Buffer> =>
  (await module(args).encode()).buffer;

const messages = (count: number, make: (i: number) => object): object[] =>
  Array.from({ length: count }, (_, i) => make(i));

const idempotent = {
  acks: -1,
  timeout: 30_000,
  producerId: Long.fromString('4711'),
  producerEpoch: 3,
};
const CASES: Array<[string, Args]> = [
  [
    'two topics, three partitions, keys, headers and the times the producer gives',
    {
      ...idempotent,
      topicData: [
        {
          topic: 'orders',
          partitions: [
            {
              partition: 0,
              firstSequence: 12,
              messages: messages(500, (i) => ({
                key: `k${i}`,
                value: Buffer.from(`value ${i} `.repeat(i % 7)),
                timestamp: String(1_765_000_000_000 + (i % 13)),
                headers:
                  i % 3 === 0 ? { 'content-type': 'text/plain', tag: ['a', 'ü'] } : undefined,
              })),
            },
            {
              partition: 5,
              firstSequence: 0,
              messages: messages(1, () => ({ value: 'x', timestamp: '1765000000000' })),
            },
          ],
        },
        {
          topic: 'grüße',
          partitions: [
            {
              partition: 2,
              messages: messages(3, (i) => ({ key: null, value: null, timestamp: 17 + i })),
            },
          ],
        },
      ],
    },
  ],
  [
    'no times given, a transaction, defaults left out',
    {
      acks: 1,
      timeout: 5000,
      transactionalId: 'tx-1',
      topicData: [
        {
          topic: 't',
          partitions: [{ partition: 0, messages: messages(4, () => ({ value: 'v' })) }],
        },
      ],
    },
  ],
  [
    'some times given and some not, out of order, as text of different lengths',
    {
      ...idempotent,
      topicData: [
        {
          topic: 't',
          partitions: [
            {
              partition: 1,
              firstSequence: 7,
              messages: [
                { value: 'a', timestamp: '1765000000005' },
                { value: 'b' },
                { value: 'c', timestamp: '999' },
                { value: 'd', timestamp: '1765000000001' },
              ],
            },
          ],
        },
      ],
    },
  ],
  [
    'an empty partition',
    { ...idempotent, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [] }] }] },
  ],
];

describe('the produce request encoding', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is the one the produce requests of this process use', () => {
    expect(applyKafkajsFixes().get('produce-request-encoding')).toBe(true);
    expect(v3).not.toBe(original);
    expect(v7({ acks: -1, timeout: 1, topicData: [] }).apiVersion).toBe(7);
  });

  it.each(CASES)('writes the bytes kafkajs writes: %s', async (_name, args) => {
    vi.spyOn(Date, 'now').mockReturnValue(1_765_000_123_456);
    const expected = await bytes(original, args);
    expect((await bytes(v3, args)).equals(expected)).toBe(true);
    // v7 is v3's body under another version number: the same bytes.
    expect((await bytes(v7, args)).equals(expected)).toBe(true);
  });

  it('leaves to kafkajs what it would judge differently: compressed batches, a null header value', async () => {
    const gzip = {
      ...idempotent,
      compression: 1,
      topicData: [
        { topic: 't', partitions: [{ partition: 0, messages: [{ value: 'v', timestamp: '5' }] }] },
      ],
    };
    // Gzip output depends on nothing but its input: kafkajs' own bytes.
    expect((await bytes(v3, gzip)).equals(await bytes(original, gzip))).toBe(true);
    const nullHeader = {
      ...idempotent,
      topicData: [
        {
          topic: 't',
          partitions: [{ partition: 0, messages: [{ value: 'v', headers: { gone: null } }] }],
        },
      ],
    };
    const theirs = await bytes(original, nullHeader).catch((error: unknown) => error);
    expect(theirs).toBeInstanceOf(Error);
    await expect(bytes(v3, nullHeader)).rejects.toThrow((theirs as Error).message);
  });
});
