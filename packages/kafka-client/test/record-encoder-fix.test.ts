import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../src/kafkajs.js';
import { applyKafkajsFixes } from '../src/fixes/kafkajs-fixes.js';
import { encodeRecord, type RecordFields } from '../src/fixes/record-encoder-fix.js';
import { kafkajsOriginal } from './kafkajs-original.js';

const require = createRequire(import.meta.url);
// kafkajs' internals have no types: typed by what is used here.
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (
  buffer: Buffer,
) => { readVarInt(): number };
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  decoder: object,
  context: object,
) => {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  timestamp: string;
  headers: Record<string, Buffer | Buffer[]>;
};
const produceRequest = require('kafkajs/src/protocol/requests/produce/v3/request.js') as unknown;
const inUse = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  record: RecordFields,
) => { buffer: Buffer };

/** kafkajs' own record encoder. */
const original = kafkajsOriginal<(record: RecordFields) => { buf: Buffer; buffer: Buffer }>(
  'kafkajs/src/protocol/recordBatch/record/v0/index.js',
);

const long = 'x'.repeat(300);
const CASES: Array<[string, RecordFields]> = [
  ['a plain value', { value: Buffer.from('Hello') }],
  ['key and value as text', { key: 'k', value: 'v', offsetDelta: 7, timestampDelta: 12 }],
  ['no key, no value', { key: null, value: null }],
  ['empty key and value', { key: '', value: Buffer.alloc(0) }],
  ['unicode', { key: 'grüße', value: 'こんにちは 👋', headers: { grüße: 'こんにちは 👋' } }],
  [
    'long fields (multi-byte varints)',
    { key: long, value: Buffer.alloc(20_000, 1), headers: { [long]: long + long } },
  ],
  ['a negative time delta', { value: 'v', timestampDelta: -1234 }],
  ['a large time delta', { value: 'v', timestampDelta: 2 ** 40 + 3 }],
  ['a large offset delta', { value: 'v', offsetDelta: 70_000 }],
  [
    'headers: text, bytes, repeated, empty',
    {
      value: 'v',
      headers: {
        'content-type': 'text/plain',
        bin: Buffer.from([0, 255, 1]),
        tag: ['a', 'b', 'c'],
        empty: '',
      },
    },
  ],
  ['an empty header list', { value: 'v', headers: { none: [] } }],
];

describe('the record encoder', () => {
  it.each(CASES)('writes the bytes kafkajs writes: %s', (_name, record) => {
    expect(encodeRecord(record, original).buffer.equals(original(record).buffer)).toBe(true);
  });

  it("leaves to kafkajs' own encoder what it would judge differently (a null header value, a time delta beyond 2^51)", () => {
    const calls: RecordFields[] = [];
    const fallback = (record: RecordFields) => {
      calls.push(record);
      return original({ value: 'x' });
    };
    encodeRecord({ value: 'v', headers: { gone: null } }, fallback);
    encodeRecord({ value: 'v', timestampDelta: 2 ** 52 }, fallback);
    expect(calls).toHaveLength(2);
  });

  it('is the one kafkajs produce requests use in this process, and records decode to what was written', () => {
    expect(produceRequest).toBeDefined();
    expect(applyKafkajsFixes().get('record-encoder')).toBe(true);
    expect(inUse).not.toBe(original);
    const headers = { 'content-type': 'text/plain', tag: ['a', 'b'], note: 'Grüße' };
    const encoded = inUse({
      key: 'k',
      value: Buffer.from('v'),
      headers,
      offsetDelta: 3,
      timestampDelta: 5,
    }).buffer;
    const decoder = new Decoder(encoded);
    decoder.readVarInt(); // the record's length
    const decoded = decodeRecord(decoder, { firstOffset: '10', firstTimestamp: '1000' });
    expect([String(decoded.key), String(decoded.value), decoded.offset, decoded.timestamp]).toEqual(
      ['k', 'v', '13', '1005'],
    );
    expect(
      Object.fromEntries(
        Object.entries(decoded.headers).map(([k, v]) => [
          k,
          Array.isArray(v) ? v.map(String) : String(v),
        ]),
      ),
    ).toEqual(headers);
  });
});
