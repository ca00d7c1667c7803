import { describe, expect, it } from 'vitest';
import { recordOffsets } from '../src/kafka/record-offsets.js';

describe('recordOffsets', () => {
  it('gives the records of each partition consecutive offsets from its base, in the order sent', () => {
    const partitions = [0, 1, 0, 2, 1, 0];
    const bases = [
      { partition: 1, baseOffset: '40' },
      { partition: 0, baseOffset: '7' },
      { partition: 2, baseOffset: '0' },
    ];
    expect(recordOffsets(partitions, bases)).toEqual(['7', '40', '8', '0', '41', '9']);
  });

  it('keeps offsets beyond 2^53 exact', () => {
    expect(recordOffsets([3, 3], [{ partition: 3, baseOffset: '9007199254740993' }])).toEqual([
      '9007199254740993',
      '9007199254740994',
    ]);
  });

  it('refuses a record whose partition Kafka did not report, rather than inventing an offset', () => {
    expect(() => recordOffsets([0, 5], [{ partition: 0, baseOffset: '1' }])).toThrow(/partition 5/);
  });
});
