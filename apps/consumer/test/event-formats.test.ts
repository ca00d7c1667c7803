import { describe, expect, it } from 'vitest';
import { cloudEventOf } from '../src/stream/cloud-event-of.js';
import { jsonEventText } from '../src/stream/json-event-of.js';
import type { StreamRecord } from '../src/stream/stream-record.js';

const record = (fields: Partial<StreamRecord>): StreamRecord => ({
  topic: 'demo-default',
  partition: 2,
  offset: 41n,
  key: null,
  value: 'Hello',
  timestamp: Date.UTC(2026, 0, 2, 3, 4, 5),
  ...fields,
});

/** A `?format=json` event's data as a client parses it. */
const jsonEventOf = (fields: Partial<StreamRecord>): Record<string, unknown> => {
  const text = jsonEventText(record(fields));
  // One SSE data field: a line break would end it.
  expect(text).not.toMatch(/[\r\n]/);
  return JSON.parse(text) as Record<string, unknown>;
};

describe('?format=json', () => {
  it('shows a record with its place, key, headers and text value', () => {
    expect(jsonEventOf({ key: 'k', headers: { tag: ['a', 'b'] } })).toEqual({
      topic: 'demo-default',
      partition: 2,
      offset: '41',
      timestamp: '2026-01-02T03:04:05.000Z',
      key: 'k',
      headers: { tag: ['a', 'b'] },
      valueEncoding: 'utf8',
      value: 'Hello',
    });
    expect(jsonEventOf({}).headers).toEqual({});
  });

  it('gives a value that is not UTF-8 as base64, marked', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x80]);
    expect(jsonEventOf({ value: '\ufffd\u0000\ufffd', binaryValue: bytes })).toMatchObject({
      valueEncoding: 'base64',
      value: bytes.toString('base64'),
    });
  });

  it('gives a value whose content type says JSON, and that is JSON, as JSON', () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/vnd.api+json',
      'application/cloudevents+json',
    ]) {
      const event = jsonEventOf({
        value: '{"total":12,"items":[1,"a"]}',
        headers: { 'content-type': [type] },
      });
      expect(event, type).toMatchObject({
        valueEncoding: 'json',
        value: { total: 12, items: [1, 'a'] },
      });
    }
    // A JSON string, number or null is JSON too: the encoding, not the type of value, tells.
    expect(
      jsonEventOf({ value: '"Hello"', headers: { 'content-type': ['application/json'] } }),
    ).toMatchObject({
      valueEncoding: 'json',
      value: 'Hello',
    });
    expect(
      jsonEventOf({ value: 'null', headers: { 'content-type': ['application/json'] } }),
    ).toMatchObject({
      valueEncoding: 'json',
      value: null,
    });
  });

  it('puts a JSON value in as it was sent: big numbers and member order kept, line breaks as spaces', () => {
    const sent = '{\r\n  "id": 12345678901234567890,\n  "b": 1, "a": "x\\ny"\n}';
    const text = jsonEventText(
      record({ value: sent, headers: { 'content-type': ['application/json'] } }),
    );
    expect(text).toContain('"value":{    "id": 12345678901234567890,   "b": 1, "a": "x\\ny" }}');
    const { value } = JSON.parse(text) as { value: Record<string, unknown> };
    expect(Object.keys(value)).toEqual(['id', 'b', 'a']);
    expect(value.a).toBe('x\ny');
  });

  it('gives text that is not JSON, or JSON without a JSON content type, as a string', () => {
    for (const [value, type] of [
      ['{"total":', 'application/json'],
      ['', 'application/json'],
      ['{"total":12}', 'text/plain'],
      ['{"total":12}', 'application/jsonx'],
      ['{"total":12}', undefined],
    ] as const) {
      const headers = type === undefined ? undefined : { 'content-type': [type] };
      expect(jsonEventOf({ value, headers }), `${value} as ${type}`).toMatchObject({
        valueEncoding: 'utf8',
        value,
      });
    }
    const bytes = Buffer.from([0xff]);
    expect(
      jsonEventOf({
        value: '\ufffd',
        binaryValue: bytes,
        headers: { 'content-type': ['application/json'] },
      }),
    ).toMatchObject({ valueEncoding: 'base64', value: '/w==' });
  });

  it('shows headers named like Object.prototype members as their values only', () => {
    // JSON.parse makes `__proto__` an own member, as the consumer's headers hold it.
    const headers = JSON.parse('{"constructor":["x"],"__proto__":["y"]}') as Record<
      string,
      string[]
    >;
    expect(jsonEventText(record({ headers }))).toContain(
      '"headers":{"constructor":["x"],"__proto__":["y"]}',
    );
  });
});

describe('?format=cloudevents', () => {
  it('builds one from a plain record: id from partition and offset, source naming the topic, our type, time, key', () => {
    expect(cloudEventOf(record({ key: 'order-7' }))).toEqual({
      specversion: '1.0',
      id: '2:41',
      source: '/topics/demo-default',
      type: 'demo-kafka.record',
      time: '2026-01-02T03:04:05.000Z',
      partitionkey: 'order-7',
      data: 'Hello',
    });
  });

  it('carries content type, JSON data, base64 data and the trace context', () => {
    const json = cloudEventOf(
      record({
        value: '{"n":1}',
        headers: {
          'content-type': ['application/json; charset=utf-8'],
          traceparent: ['00-x-y-01'],
          other: ['dropped'],
        },
      }),
    );
    expect(json).toMatchObject({
      datacontenttype: 'application/json; charset=utf-8',
      data: { n: 1 },
      traceparent: '00-x-y-01',
    });
    expect(json).not.toHaveProperty('other');
    expect(
      cloudEventOf(
        record({ value: 'not json', headers: { 'content-type': ['application/json'] } }),
      ),
    ).toMatchObject({ data: 'not json' });
    const binary = cloudEventOf(record({ binaryValue: Buffer.from([0xff]) }));
    expect(binary).toMatchObject({ data_base64: '/w==' });
    expect(binary).not.toHaveProperty('data');
  });

  it('gives a binary-mode record its own attributes from the ce_* headers', () => {
    const headers = {
      'content-type': ['application/json'],
      ce_specversion: ['1.0'],
      ce_id: ['e-1'],
      ce_source: ['/shop'],
      ce_type: ['order.created'],
      ce_time: ['2026-01-01T00:00:00Z'],
    };
    expect(cloudEventOf(record({ value: '{"a":1}', headers, key: 'k' }))).toEqual({
      specversion: '1.0',
      id: 'e-1',
      source: '/shop',
      type: 'order.created',
      time: '2026-01-01T00:00:00Z',
      datacontenttype: 'application/json',
      data: { a: 1 },
    });
  });

  it('gives a structured-mode record its value as the event, or builds one when the value is not a JSON object', () => {
    const event = { specversion: '1.0', id: 'e-2', source: '/s', type: 't', data: { z: [1] } };
    const structured = { 'content-type': ['application/cloudevents+json; charset=UTF-8'] };
    expect(
      cloudEventOf(record({ value: JSON.stringify(event, null, 2), headers: structured })),
    ).toEqual(event);
    expect(cloudEventOf(record({ value: '[1]', headers: structured }))).toMatchObject({
      id: '2:41',
      type: 'demo-kafka.record',
      data: [1],
    });
  });
});
