import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from '@demo-kafka/kafka-client';
import { streamRecordOf } from '../src/kafka/stream-record-of.js';

const message = (value: Buffer | null, headers: KafkaMessage['headers'] = {}): KafkaMessage =>
  ({
    key: Buffer.from('k'),
    value,
    headers,
    offset: '7',
    timestamp: '1700000000000',
    attributes: 0,
  }) as KafkaMessage;

describe('a consumed record as the stream holds it', () => {
  it('keeps headers as text, a repeated name as its values in order, none as absent', () => {
    const record = streamRecordOf(
      't',
      2,
      message(Buffer.from('v'), {
        traceparent: Buffer.from('00-abc'),
        tag: [Buffer.from('a'), Buffer.from('b')],
      }),
    );
    expect(record).toMatchObject({
      partition: 2,
      offset: 7n,
      key: 'k',
      value: 'v',
      timestamp: 1700000000000,
    });
    expect(record.headers).toEqual({ traceparent: ['00-abc'], tag: ['a', 'b'] });
    expect(record.binaryValue).toBeUndefined();
    expect(streamRecordOf('t', 0, message(Buffer.from('v'))).headers).toBeUndefined();
  });

  it('keeps the bytes of a value that is not UTF-8, and only then', () => {
    const bytes = Buffer.from([0xff, 0x00, 0xc3]);
    const record = streamRecordOf('t', 0, message(bytes));
    expect(record.binaryValue?.equals(bytes)).toBe(true);
    expect(streamRecordOf('t', 0, message(Buffer.from('Grüße'))).binaryValue).toBeUndefined();
    expect(streamRecordOf('t', 0, message(null))).toMatchObject({
      value: '',
      binaryValue: undefined,
    });
  });

  it('reads headers named like Object.prototype members as kafkajs decodes them: their values only', () => {
    // kafkajs' record decoder, as it folds a record's headers into one object.
    const decoded = [
      ['constructor', 'x'],
      ['__proto__', 'y'],
      ['toString', 'a'],
      ['toString', 'b'],
      ['tag', 't'],
    ].reduce<Record<string, unknown>>((obj, [key = '', value]) => {
      const existing = obj[key];
      const next = Buffer.from(value ?? '');
      return {
        // biome-ignore lint/performance/noAccumulatingSpread: kafkajs' code as it is, five headers
        ...obj,
        [key]:
          existing === undefined
            ? next
            : Array.isArray(existing)
              ? existing.concat([next])
              : [existing, next],
      };
    }, {});
    const record = streamRecordOf(
      't',
      0,
      message(Buffer.from('v'), decoded as KafkaMessage['headers']),
    );
    expect(JSON.stringify(record.headers)).toBe(
      '{"constructor":["x"],"__proto__":["y"],"toString":["a","b"],"tag":["t"]}',
    );
    expect(Object.getPrototypeOf(record.headers)).toBeNull();
  });
});
