import { describe, expect, it } from 'vitest';
import { batchLineRecord } from '../src/batch/batch-line-record.js';
import { NdjsonLines } from '../src/batch/ndjson-lines.js';
import { DEFAULT_RECORD_HEADER_LIMITS } from '../src/headers/record-header-limits.js';

function linesOf(chunks: string[], max = 10): Array<[number, string]> {
  const splitter = new NdjsonLines(max);
  const lines = [
    ...chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk))),
    ...splitter.end(),
  ];
  return lines.map((line) => [line.number, line.tooLong ? '<too long>' : line.bytes.toString()]);
}

describe('NdjsonLines', () => {
  it('splits lines across chunks, with \\n or \\r\\n, numbering empty lines without yielding them', () => {
    expect(linesOf(['{"a"', ':1}\r\n\n{"b":2}\n', '{"c"', ':3}'])).toEqual([
      [1, '{"a":1}'],
      [3, '{"b":2}'],
      [4, '{"c":3}'],
    ]);
  });

  it('reports a line over the limit once, without its bytes, and goes on with the next', () => {
    expect(linesOf(['0123456789', 'abc\nshort\n', '0123456789abc'])).toEqual([
      [1, '<too long>'],
      [2, 'short'],
      [3, '<too long>'],
    ]);
    expect(linesOf(['0123456789\r\n'])).toEqual([[1, '0123456789']]);
  });
});

const record = (line: object | string) =>
  batchLineRecord(
    Buffer.from(typeof line === 'string' ? line : JSON.stringify(line)),
    DEFAULT_RECORD_HEADER_LIMITS,
  );

describe('batchLineRecord', () => {
  it('writes a string value as its UTF-8 bytes, base64 as the bytes it encodes, JSON as JSON text', () => {
    expect(record({ value: 'Grüße 👋', key: 'k' })).toEqual({
      value: Buffer.from('Grüße 👋'),
      key: 'k',
      headers: undefined,
    });
    expect(record({ value: 'AP8=', valueEncoding: 'base64' }).value).toEqual(Buffer.from([0, 255]));
    const json = record({ value: { a: [1, true] }, headers: { h: ['1', '2'] } });
    expect(json.value.toString()).toBe('{"a":[1,true]}');
    expect({ ...json.headers }).toEqual({ h: ['1', '2'], 'content-type': 'application/json' });
    expect(
      record({ value: 1, headers: { 'Content-Type': 'application/vnd.x+json' } }).headers,
    ).not.toHaveProperty('content-type');
  });

  it('keeps header names that are Object.prototype names as plain headers', () => {
    const { headers } = record('{"value":"v","headers":{"__proto__":"x","constructor":"y"}}');
    expect(Object.entries(headers ?? {})).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  it.each([
    ['not JSON', '{"value":', /not JSON/],
    ['an array', '[1]', /one JSON object/],
    ['no value', { key: 'k' }, /no "value"/],
    ['an empty value', { value: '' }, /empty/],
    ['a typo', { value: 'v', header: {} }, /unknown field "header"/],
    ['bad base64', { value: 'a$', valueEncoding: 'base64' }, /not base64/],
    ['an unknown encoding', { value: 'v', valueEncoding: 'hex' }, /valueEncoding/],
    ['a key that is not a string', { value: 'v', key: 1 }, /"key" is a string/],
    ['a header value that is not text', { value: 'v', headers: { h: 1 } }, /string or a non-empty/],
  ])('refuses %s with a 400', (_name, line, detail) => {
    expect(() => record(line)).toThrow(
      expect.objectContaining({ status: 400, detail: expect.stringMatching(detail) }),
    );
  });

  it('holds a line to the record header limits (431)', () => {
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`h${i}`, 'v']));
    expect(() => record({ value: 'v', headers: many })).toThrow(
      expect.objectContaining({ status: 431 }),
    );
    expect(() => record({ value: 'v', headers: { h: 'x'.repeat(9000) } })).toThrow(
      expect.objectContaining({ status: 431 }),
    );
  });
});
