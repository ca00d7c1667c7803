import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../src/kafkajs.js';
import { applyKafkajsFixes } from '../src/fixes/kafkajs-fixes.js';
import { groupMessagesPerPartition } from '../src/fixes/group-messages-fix.js';
import { kafkajsOriginal } from './kafkajs-original.js';

const require = createRequire(import.meta.url);
const MODULE = 'kafkajs/src/producer/groupMessagesPerPartition.js';
type Grouping = typeof groupMessagesPerPartition;

const kafkajsGrouping = (): Grouping => kafkajsOriginal<Grouping>(MODULE);

describe("the grouping of a send's messages by partition", () => {
  const messages = Array.from({ length: 250 }, (_, i) => ({
    value: `m${i}`,
    key: i % 7 === 0 ? 'k' : undefined,
  }));
  // Keyed messages together, the others spread: what a partitioner does, deterministically.
  const partitioner = ({
    message,
  }: {
    message: { value: string; key: string | undefined };
  }): number => (message.key ? 5 : Number(message.value.slice(1)) % 3);

  it('gives the groups kafkajs gives, each in the order of the messages', () => {
    const args = { topic: 't', partitionMetadata: [{}, {}], messages, partitioner };
    expect(groupMessagesPerPartition(args)).toEqual(kafkajsGrouping()(args));
    expect(groupMessagesPerPartition({ ...args, partitionMetadata: [] })).toEqual({});
  });

  it('is the one kafkajs producers use in this process', () => {
    expect(applyKafkajsFixes().get('group-messages-per-partition')).toBe(true);
    expect(require(MODULE)).toBe(groupMessagesPerPartition);
  });
});
