import { HttpProblem } from '@demo-kafka/app-kit';
import { problemOf } from '../../../test/support/problem-of.js';
import { describe, expect, it } from 'vitest';
import { requestRecordContext } from '../src/headers/request-record-headers.js';

const LIMITS = { maxCount: 8, maxBytes: 256 };
const BODY = Buffer.from('x');
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('record headers from a POST', () => {
  it('adds nothing without a content type, and shares one object per content type', () => {
    expect(
      requestRecordContext(['Host', 'x', 'Content-Length', '1'], BODY, LIMITS).headers,
    ).toBeUndefined();
    const first = requestRecordContext(['Host', 'x', 'Content-Type', 'text/plain'], BODY, LIMITS);
    const second = requestRecordContext(['Host', 'y', 'content-type', 'text/plain'], BODY, LIMITS);
    expect(first.headers).toEqual({ 'content-type': 'text/plain' });
    expect(second).toBe(first);
    expect(Object.isFrozen(first.headers)).toBe(true);
  });

  it('maps Kafka-Header-* to lower-case names, repeats in order, with UTF-8 values', () => {
    const latin1 = Buffer.from('Grüße 👋', 'utf8').toString('latin1');
    const { headers } = requestRecordContext(
      [
        'Kafka-Header-Correlation-Id',
        'c-1',
        'content-type',
        'text/plain',
        'KAFKA-HEADER-tag',
        'a',
        'kafka-header-Tag',
        'b',
        'Kafka-Header-greeting',
        latin1,
        'traceparent',
        TRACEPARENT,
        'tracestate',
        'a=1',
        'TraceState',
        'b=2',
      ],
      BODY,
      LIMITS,
    );
    expect(headers).toEqual({
      'content-type': 'text/plain',
      'correlation-id': 'c-1',
      tag: ['a', 'b'],
      greeting: 'Grüße 👋',
      traceparent: TRACEPARENT,
      tracestate: 'a=1,b=2',
    });
    expect(Object.keys(headers ?? {})).toEqual([
      'content-type',
      'correlation-id',
      'tag',
      'greeting',
      'traceparent',
      'tracestate',
    ]);
  });

  it('refuses names set by their own headers, an empty name and values that are not UTF-8', () => {
    for (const name of [
      'Kafka-Header-Content-Type',
      'Kafka-Header-traceparent',
      'Kafka-Header-ce_id',
    ]) {
      expect(problemOf(() => requestRecordContext([name, 'v'], BODY, LIMITS)).status).toBe(400);
    }
    expect(
      problemOf(() => requestRecordContext(['Kafka-Header-', 'v'], BODY, LIMITS)).detail,
    ).toMatch(/names no record header/);
    expect(
      problemOf(() => requestRecordContext(['Kafka-Header-x', '\xff\xfe'], BODY, LIMITS)).detail,
    ).toMatch(/Kafka-Header-x is not UTF-8/);
  });

  it('refuses more headers or header bytes than the limits with 431, without a value in the message', () => {
    const many = Array.from({ length: 9 }, (_, i) => [`Kafka-Header-h${i}`, 'v']).flat();
    const tooMany = problemOf(() => requestRecordContext(many, BODY, LIMITS));
    expect(tooMany.status).toBe(431);
    expect(tooMany.detail).toMatch(/MAX_RECORD_HEADERS/);
    const big = problemOf(() =>
      requestRecordContext(['Kafka-Header-big', 'secret'.repeat(50)], BODY, LIMITS),
    );
    expect(big.status).toBe(431);
    expect(big.detail).toMatch(/MAX_RECORD_HEADER_BYTES/);
    expect(big.message).not.toContain('secret');
  });

  it('counts a content type sent alone against the limits too, each time, as one with other headers', () => {
    const exact = `text/plain; p=${'x'.repeat(LIMITS.maxBytes - 'content-type'.length - 14)}`;
    expect(Buffer.byteLength('content-type') + exact.length).toBe(LIMITS.maxBytes);
    const fits = requestRecordContext(['Content-Type', exact], BODY, LIMITS);
    expect(fits.headers).toEqual({ 'content-type': exact });
    // Once cached, the same type still counts against smaller limits (another app's).
    const smaller = { maxCount: 8, maxBytes: LIMITS.maxBytes - 1 };
    const cached = problemOf(() => requestRecordContext(['Content-Type', exact], BODY, smaller));
    expect(cached.status).toBe(431);
    expect(cached.detail).toMatch(/MAX_RECORD_HEADER_BYTES/);
    const over = `${exact}y`;
    for (let i = 0; i < 2; i++) {
      const alone = problemOf(() => requestRecordContext(['Content-Type', over], BODY, LIMITS));
      expect(alone.status).toBe(431);
    }
    // Alone or with another header: over the limits either way.
    expect(
      problemOf(() =>
        requestRecordContext(['Content-Type', over, 'Kafka-Header-a', 'b'], BODY, LIMITS),
      ).status,
    ).toBe(431);
    expect(
      problemOf(() =>
        requestRecordContext(['Content-Type', 'text/plain'], BODY, { ...LIMITS, maxCount: 0 }),
      ).detail,
    ).toMatch(/MAX_RECORD_HEADERS/);
  });

  it('reads a content type as UTF-8, alone or with other headers', () => {
    const type = 'text/plain; name="café"';
    const latin1 = Buffer.from(type, 'utf8').toString('latin1');
    expect(requestRecordContext(['Content-Type', latin1], BODY, LIMITS).headers).toEqual({
      'content-type': type,
    });
    expect(
      requestRecordContext(['Content-Type', latin1, 'Kafka-Header-a', 'b'], BODY, LIMITS).headers,
    ).toEqual({ 'content-type': type, a: 'b' });
  });

  it('counts the traceparent a traced sink adds, whether or not the request sends one', () => {
    const traced = { ...LIMITS, addsTraceparent: true };
    const seven = Array.from({ length: 7 }, (_, i) => [`Kafka-Header-h${i}`, 'v']).flat();
    expect(Object.keys(requestRecordContext(seven, BODY, LIMITS).headers ?? {})).toHaveLength(7);
    expect(
      problemOf(() => requestRecordContext([...seven, 'Kafka-Header-h7', 'v'], BODY, traced))
        .status,
    ).toBe(431);
    // A request's own traceparent is replaced by the sink, not added to: counted once.
    expect(
      Object.keys(
        requestRecordContext([...seven, 'traceparent', TRACEPARENT], BODY, traced).headers ?? {},
      ),
    ).toHaveLength(8);
    const nearlyFull = ['Kafka-Header-big', 'v'.repeat(LIMITS.maxBytes - 'big'.length - 20)];
    expect(requestRecordContext(nearlyFull, BODY, LIMITS).headers).toBeDefined();
    expect(problemOf(() => requestRecordContext(nearlyFull, BODY, traced)).detail).toMatch(
      /MAX_RECORD_HEADER_BYTES/,
    );
    // Nothing asked for, nothing written: the sink alone decides the traceparent.
    expect(requestRecordContext(['Host', 'x'], BODY, traced).headers).toBeUndefined();
    expect(requestRecordContext(['Content-Type', 'text/plain'], BODY, traced).headers).toEqual({
      'content-type': 'text/plain',
    });
  });
});

describe('CloudEvents from a POST', () => {
  const CE = [
    'ce-specversion',
    '1.0',
    'ce-id',
    'e-1',
    'ce-source',
    '/orders',
    'ce-type',
    'com.example.order.created',
  ];

  it('binary mode: ce-* become ce_* headers as sent, after content-type; partitionkey is the key', () => {
    const { headers, partitionKey } = requestRecordContext(
      ['Content-Type', 'application/json', ...CE, 'ce-partitionkey', 'order-7', 'ce-traceid', 'x'],
      BODY,
      LIMITS,
    );
    expect(Object.entries(headers ?? {})).toEqual([
      ['content-type', 'application/json'],
      ['ce_specversion', '1.0'],
      ['ce_id', 'e-1'],
      ['ce_source', '/orders'],
      ['ce_type', 'com.example.order.created'],
      ['ce_partitionkey', 'order-7'],
      ['ce_traceid', 'x'],
    ]);
    expect(partitionKey).toBe('order-7');
  });

  it('binary mode: an attribute sent twice is a 400 (both would be written, one unchecked)', () => {
    for (const twice of [
      [...CE, 'ce-id', 'e-2'],
      [...CE, 'Ce-Id', 'e-2'],
    ]) {
      const problem = problemOf(() => requestRecordContext(twice, BODY, LIMITS));
      expect(problem.status).toBe(400);
      expect(problem.detail).toMatch(/"id" is given more than once/);
    }
  });

  it('binary mode: a missing required attribute, another version or a bad value is a 400 naming the attribute', () => {
    for (const missing of ['specversion', 'id', 'source', 'type']) {
      const without: string[] = [];
      for (let i = 0; i < CE.length; i += 2)
        if (CE[i] !== `ce-${missing}`) without.push(CE[i] as string, CE[i + 1] as string);
      const problem = problemOf(() => requestRecordContext(without, BODY, LIMITS));
      expect(problem.status).toBe(400);
      expect(problem.detail).toContain(`"${missing}"`);
    }
    const v03 = CE.map((v) => (v === '1.0' ? '0.3' : v));
    expect(problemOf(() => requestRecordContext(v03, BODY, LIMITS)).detail).toMatch(
      /"specversion" is "0.3"/,
    );
    expect(
      problemOf(() => requestRecordContext([...CE, 'ce-time', 'yesterday'], BODY, LIMITS)).detail,
    ).toContain('"time"');
  });

  it('structured mode: the body is the event, validated; the record gets only the content type', () => {
    const event = {
      specversion: '1.0',
      id: 'e-2',
      source: '/orders',
      type: 't',
      partitionkey: 'k',
      data: { n: 1 },
    };
    const context = requestRecordContext(
      ['Content-Type', 'application/cloudevents+json; charset=UTF-8'],
      Buffer.from(JSON.stringify(event)),
      LIMITS,
    );
    expect(context.headers).toEqual({
      'content-type': 'application/cloudevents+json; charset=UTF-8',
    });
    expect(context.partitionKey).toBe('k');
    const noSource = Buffer.from(JSON.stringify({ ...event, source: undefined }));
    expect(
      problemOf(() =>
        requestRecordContext(['Content-Type', 'application/cloudevents+json'], noSource, LIMITS),
      ).detail,
    ).toContain('"source"');
    expect(
      problemOf(() =>
        requestRecordContext(
          ['Content-Type', 'application/cloudevents+json'],
          Buffer.from('{'),
          LIMITS,
        ),
      ).status,
    ).toBe(400);
    expect(
      problemOf(() =>
        requestRecordContext(
          ['Content-Type', 'application/cloudevents-batch+json'],
          Buffer.from('[]'),
          LIMITS,
        ),
      ).status,
    ).toBe(415);
    expect(
      problemOf(() =>
        requestRecordContext(
          ['Content-Type', 'application/cloudevents+json', ...CE],
          Buffer.from(JSON.stringify(event)),
          LIMITS,
        ),
      ).status,
    ).toBe(400);
  });

  it('binary mode: ce-* values are percent-decoded, as the HTTP binding asks of a receiver', () => {
    const { headers } = requestRecordContext(
      [
        ...CE.map((v) => (v === '/orders' ? '/orders%2Fno-7' : v)),
        'ce-subject',
        'caf%C3%A9 %22%25%22 100%25',
        'ce-comment',
        // Sent raw (not encoded): Node reads the UTF-8 bytes as Latin-1, and they are read back.
        Buffer.from('größe', 'utf8').toString('latin1'),
      ],
      BODY,
      LIMITS,
    );
    expect(headers).toMatchObject({
      ce_source: '/orders/no-7',
      ce_subject: 'café "%" 100%',
      ce_comment: 'größe',
    });
    for (const bad of ['100%', '%zz', '%C3', '%FF%FE']) {
      const problem = problemOf(() =>
        requestRecordContext([...CE, 'ce-subject', bad], BODY, LIMITS),
      );
      expect(problem.status, bad).toBe(400);
      expect(problem.detail).toMatch(/"subject" is not percent-encoded/);
    }
  });

  it('refuses a time that does not exist, in either mode', () => {
    const at = (time: string): HttpProblem | undefined => {
      try {
        requestRecordContext([...CE, 'ce-time', time], BODY, LIMITS);
        return undefined;
      } catch (error) {
        if (error instanceof HttpProblem) return error;
        throw error;
      }
    };
    for (const good of [
      '2026-02-28T10:00:00Z',
      '2028-02-29T23:59:59.123+09:00',
      '2026-12-31t00:00:60z',
      '2026-06-30 10:00:00-05:30',
    ])
      expect(at(good), good).toBeUndefined();
    for (const bad of [
      '2026-02-30T10:00:00Z',
      '2026-02-29T10:00:00Z',
      '2026-04-31T10:00:00Z',
      '2026-13-01T10:00:00Z',
      '2026-00-10T10:00:00Z',
      '2026-01-00T10:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T10:60:00Z',
      '2026-01-01T10:00:61Z',
      '2026-01-01T10:00:00+24:00',
      '2026-01-01T10:00:00',
    ])
      expect(at(bad)?.detail, bad).toMatch(/"time" is not an RFC 3339 timestamp/);
    const structured = Buffer.from(
      JSON.stringify({
        specversion: '1.0',
        id: '1',
        source: '/s',
        type: 't',
        time: '2026-02-30T10:00:00Z',
      }),
    );
    expect(
      problemOf(() =>
        requestRecordContext(['Content-Type', 'application/cloudevents+json'], structured, LIMITS),
      ).detail,
    ).toMatch(/"time"/);
  });

  it('binary mode: refuses data and its content type as ce- headers (they are the body and Content-Type)', () => {
    for (const attribute of ['data', 'data_base64', 'datacontenttype']) {
      const problem = problemOf(() =>
        requestRecordContext(
          ['Content-Type', 'application/json', ...CE, `ce-${attribute}`, 'x'],
          BODY,
          LIMITS,
        ),
      );
      expect(problem.status).toBe(400);
      expect(problem.detail).toContain(`"${attribute}" is not sent as a header in binary mode`);
    }
  });

  it('structured mode: refuses an extension whose value is an object, an array or not an integer', () => {
    const post =
      (extension: unknown): (() => unknown) =>
      () =>
        requestRecordContext(
          ['Content-Type', 'application/cloudevents+json'],
          Buffer.from(
            JSON.stringify({
              specversion: '1.0',
              id: '1',
              source: '/s',
              type: 't',
              ext: extension,
            }),
          ),
          LIMITS,
        );
    for (const fine of ['text', 7, -(2 ** 31), true, null]) expect(post(fine)).not.toThrow();
    for (const bad of [{ a: 1 }, [1], 1.5, 2 ** 31]) {
      const problem = problemOf(post(bad));
      expect(problem.status, JSON.stringify(bad)).toBe(400);
      expect(problem.detail).toMatch(/"ext" is not a string, an integer or a boolean/);
    }
    // data may be any JSON: it is not an extension.
    expect(
      requestRecordContext(
        ['Content-Type', 'application/cloudevents+json'],
        Buffer.from(
          JSON.stringify({
            specversion: '1.0',
            id: '1',
            source: '/s',
            type: 't',
            data: { a: [1] },
          }),
        ),
        LIMITS,
      ).headers,
    ).toBeDefined();
  });

  it('refuses a traceparent that is not W3C version 00 with real ids: header, ce- header or attribute', () => {
    const bad = [
      '00-aa-bb-01',
      `00-${'0'.repeat(32)}-b7ad6b7169203331-01`,
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      `${TRACEPARENT}-extra`,
    ];
    for (const value of bad) {
      expect(
        problemOf(() => requestRecordContext(['traceparent', value], BODY, LIMITS)).detail,
        value,
      ).toMatch(/traceparent is not a W3C traceparent/);
      expect(
        problemOf(() => requestRecordContext([...CE, 'ce-traceparent', value], BODY, LIMITS))
          .detail,
      ).toMatch(/"traceparent" is not a W3C traceparent/);
      const structured = Buffer.from(
        JSON.stringify({
          specversion: '1.0',
          id: '1',
          source: '/s',
          type: 't',
          traceparent: value,
        }),
      );
      expect(
        problemOf(() =>
          requestRecordContext(
            ['Content-Type', 'application/cloudevents+json'],
            structured,
            LIMITS,
          ),
        ).status,
      ).toBe(400);
    }
    expect(requestRecordContext(['traceparent', TRACEPARENT], BODY, LIMITS).headers).toEqual({
      traceparent: TRACEPARENT,
    });
  });
});
