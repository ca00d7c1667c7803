import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../src/kafka/kafkajs.js';
import { encodeRecordHeader, recordHeaderEncoderFixed } from '../src/kafka/record-header-encoder-fix.js';

const require = createRequire(import.meta.url);
// kafkajs' internals have no types: typed by what is used here.
type Encoder = { writeVarIntString(v: string): Encoder; writeVarIntBytes(v: unknown): Encoder; readonly buffer: Buffer };
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => Encoder;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: object) => { buffer: Buffer };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => object;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (decoder: object) => { headers: Record<string, Buffer | Buffer[]> };

/** kafkajs' own header encoder, as it is written. */
const original = (key: string, value: unknown): Buffer => new Encoder().writeVarIntString(key).writeVarIntBytes(value).buffer;

describe('the record header encoder', () => {
  it('writes the bytes kafkajs writes, for every kind of key and value', () => {
    const long = 'x'.repeat(300);
    const cases: Array<[string, unknown]> = [
      ['content-type', 'text/plain'],
      ['', ''],
      ['grüße', 'こんにちは 👋'],
      [long, long + long],
      ['bytes', Buffer.from([0, 255, 1])],
      ['empty-bytes', Buffer.alloc(0)],
      ['null', null],
    ];
    for (const [key, value] of cases) {
      expect(encodeRecordHeader({ key, value: value as Buffer | string | null }).buffer.equals(original(key, value)), key || '(empty)').toBe(true);
    }
  });

  it('is the one kafkajs records use in this process, and records decode to the same headers', () => {
    expect(recordHeaderEncoderFixed).toBe(true);
    const headers = { 'content-type': 'text/plain', tag: ['a', 'b'], note: 'Grüße' };
    const encoded = Record({ value: Buffer.from('v'), headers }).buffer;
    const decoder = new Decoder(encoded) as { readVarInt(): number };
    decoder.readVarInt(); // the record's length
    const decoded = (decodeRecord as (d: object, context: object) => { headers: Record<string, Buffer | Buffer[]> })(decoder, { firstOffset: '0', firstTimestamp: '0' }).headers;
    expect(Object.fromEntries(Object.entries(decoded).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]))).toEqual(headers);
  });
});
