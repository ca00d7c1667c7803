import { problemOf } from '../../../test/support/problem-of.js';
import { describe, expect, it } from 'vitest';
import { MAX_QUERY_PARAMETERS, recordKeyOf } from '../src/http/record-key.js';

/** A request as express hands it over: Node's `headersDistinct` holds header values as Latin-1. */
const request = (
  url: string,
  query: unknown = {},
  headers: Record<string, string[]> = {},
): Parameters<typeof recordKeyOf>[0] => ({
  url,
  query,
  headers: Object.fromEntries(
    Object.entries(headers).map(([name, values]) => [name, values.join(', ')]),
  ),
  headersDistinct: headers,
});
/** What a client sending `text` as UTF-8 bytes puts in a header, as Node reads it. */
const asSent = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

describe('the record key of a POST', () => {
  it('reads Kafka-Key as UTF-8, as the other header values are', () => {
    expect(recordKeyOf(request('/messages', {}, { 'kafka-key': [asSent('🍕')] }))).toBe('🍕');
    expect(recordKeyOf(request('/messages', {}, { 'kafka-key': [asSent('Grüße')] }))).toBe('Grüße');
    expect(recordKeyOf(request('/messages', {}, { 'kafka-key': ['order-7'] }))).toBe('order-7');
  });

  it('refuses a Kafka-Key that is not UTF-8 with 400', () => {
    const problem = problemOf(() =>
      recordKeyOf(request('/messages', {}, { 'kafka-key': ['\u00ff\u00fe'] })),
    );
    expect(problem.status).toBe(400);
    expect(problem.detail).toMatch(/Kafka-Key is not UTF-8/);
  });

  it('takes ?key= over Kafka-Key, an empty one as none, and none without either', () => {
    const header = { 'kafka-key': ['from-header'] };
    expect(recordKeyOf(request('/messages?key=q', { key: 'q' }, header))).toBe('q');
    expect(recordKeyOf(request('/messages?key=', { key: '' }, header))).toBeUndefined();
    expect(recordKeyOf(request('/messages?x=1', { x: '1' }, header))).toBe('from-header');
    expect(recordKeyOf(request('/messages', {}, { 'kafka-key': [''] }))).toBeUndefined();
    expect(recordKeyOf(request('/messages'))).toBeUndefined();
  });

  it('parses no query when the URL has none, and copies no header when there is no key', () => {
    const req = {
      url: '/messages',
      get query(): unknown {
        throw new Error('parsed');
      },
      headers: {},
      get headersDistinct(): never {
        throw new Error('every header copied into headersDistinct');
      },
    };
    expect(recordKeyOf(req)).toBeUndefined();
  });

  it('refuses a key given twice, in the query or as two header lines, with 400', () => {
    const twice = problemOf(() =>
      recordKeyOf(request('/messages?key=a&key=b', { key: ['a', 'b'] })),
    );
    expect(twice.status).toBe(400);
    expect(twice.detail).toMatch(/key must be given once.*\?key=/);
    const lines = problemOf(() =>
      recordKeyOf(request('/messages', {}, { 'kafka-key': ['a', 'b'] })),
    );
    expect(lines.status).toBe(400);
    expect(lines.detail).toMatch(/key must be given once.*Kafka-Key header/);
  });

  it('refuses a query with more parameters than the parser reads, empty ones counted', () => {
    const params = (n: number): string => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
    const most = `/messages?${params(MAX_QUERY_PARAMETERS - 1)}&key=k`;
    expect(recordKeyOf(request(most, { key: 'k' }))).toBe('k');
    const over = problemOf(() => recordKeyOf(request(`${most}&`, { key: 'k' })));
    expect(over.status).toBe(400);
    expect(over.detail).toMatch(/1001 parameters: at most 1000/);
  });
});
