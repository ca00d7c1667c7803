import { describe, expect, it } from 'vitest';
import { consumerOpenApi } from '../apps/consumer/src/http/consumer-openapi.js';
import { DEFAULT_RECORD_HEADER_LIMITS } from '../apps/producer/src/headers/record-header-limits.js';
import { producerOpenApi } from '../apps/producer/src/http/producer-openapi.js';
import { OpenApiContract, type Exchange } from './support/openapi-contract.js';

const producer = new OpenApiContract(
  producerOpenApi({
    maxMessageBytes: 4096,
    recordHeaderLimits: DEFAULT_RECORD_HEADER_LIMITS,
    guard: undefined,
    clustered: false,
  }),
);
const consumer = new OpenApiContract(consumerOpenApi());

const ack = {
  topic: 'demo-default',
  partition: 0,
  offset: '41',
  timestamp: '2026-11-25T18:00:00.000Z',
  id: '0:41',
};
const post = (over: Partial<Exchange> = {}): Exchange => ({
  method: 'POST',
  url: '/messages',
  requestHeaders: { 'content-type': 'text/plain', accept: 'application/json' },
  status: 200,
  responseHeaders: {
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': 'abc-1',
    'content-length': '80',
  },
  body: JSON.stringify(ack),
  ...over,
});
const problem = (status: number): string =>
  JSON.stringify({ type: 'about:blank', title: 'x', status });
const stream = (body: string, url = '/messages'): Exchange => ({
  method: 'GET',
  url,
  requestHeaders: {},
  status: 200,
  responseHeaders: {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': 'a',
  },
  body,
});

// The checks the route tests rely on must themselves fail when an answer is wrong.
describe('the OpenAPI contract check', () => {
  it('accepts answers the document allows', () => {
    expect(producer.check(post())).toEqual([]);
    expect(
      producer.check(
        post({
          requestHeaders: { 'content-type': 'application/x-www-form-urlencoded' },
          responseHeaders: { 'content-type': 'text/plain; charset=utf-8', 'x-request-id': 'a' },
          body: 'Hello',
        }),
      ),
    ).toEqual([]);
    expect(
      consumer.check(
        stream(
          'retry:2000\n\nevent:gap\ndata:older\n\nid:0:41\ndata:Hello\ndata:second line\n\n:\n\n',
        ),
      ),
    ).toEqual([]);
  });

  it('fails a status the document does not list', () => {
    expect(
      producer
        .check(
          post({
            status: 422,
            responseHeaders: { 'content-type': 'application/problem+json', 'x-request-id': 'a' },
            body: problem(422),
          }),
        )
        .join(),
    ).toContain('422, which the document does not list');
  });

  it('fails a header the document does not name, and a documented header with a bad value', () => {
    expect(
      producer
        .check(
          post({
            responseHeaders: {
              'content-type': 'application/json',
              'x-request-id': 'a',
              'x-extra': '1',
            },
          }),
        )
        .join(),
    ).toContain('x-extra is not in the document');
    const noRetryAfter = {
      status: 503,
      responseHeaders: { 'content-type': 'application/problem+json', 'x-request-id': 'a' },
      body: problem(503),
    };
    expect(producer.check(post(noRetryAfter)).join()).toContain('Retry-After is required');
    expect(
      producer
        .check(
          post({
            ...noRetryAfter,
            responseHeaders: { ...noRetryAfter.responseHeaders, 'retry-after': 'soon' },
          }),
        )
        .join(),
    ).toContain('header Retry-After "soon"');
  });

  it('fails a body or content type the document does not allow', () => {
    expect(producer.check(post({ body: JSON.stringify({ ...ack, offset: 41 }) })).join()).toContain(
      '/offset must be string',
    );
    expect(producer.check(post({ body: JSON.stringify({ ...ack, extra: 1 }) })).join()).toContain(
      'additional properties',
    );
    expect(
      producer
        .check(
          post({
            responseHeaders: { 'content-type': 'text/html', 'x-request-id': 'a' },
            body: '<p>',
          }),
        )
        .join(),
    ).toContain('content type "text/html"');
    expect(consumer.check(stream('id:0:41\nevent:surprise\ndata:x\n\n')).join()).toContain(
      'event 1',
    );
    expect(consumer.check(stream('id:not-a-position\ndata:x\n\n')).join()).toContain('event 1');
  });

  it('fails a success answered to a request the document does not allow', () => {
    expect(consumer.check(stream('', '/messages?key=a&key=b')).join()).toContain('given 2 times');
    expect(consumer.check(stream('', '/messages?since=yesterday')).join()).toContain(
      'does not allow this request',
    );
    expect(
      consumer.check({
        ...stream('', '/messages?since=yesterday'),
        status: 400,
        responseHeaders: { 'content-type': 'application/problem+json', 'x-request-id': 'a' },
        body: problem(400),
      }),
    ).toEqual([]);
  });

  it('holds paths and methods the document lacks to 404 and 405 with the documented Allow', () => {
    const notFound = {
      method: 'GET',
      url: '/nope',
      requestHeaders: {},
      responseHeaders: { 'content-type': 'application/problem+json' },
      body: problem(404),
    };
    expect(producer.check({ ...notFound, status: 404 })).toEqual([]);
    expect(producer.check({ ...notFound, status: 200, body: 'x' }).join()).toContain(
      'not in the document',
    );
    const wrongMethod = { ...notFound, url: '/messages', status: 405, body: problem(405) };
    expect(
      producer.check({
        ...wrongMethod,
        responseHeaders: { ...wrongMethod.responseHeaders, allow: 'POST' },
      }),
    ).toEqual([]);
    expect(
      consumer
        .check({
          ...wrongMethod,
          method: 'POST',
          responseHeaders: { ...wrongMethod.responseHeaders, allow: 'GET' },
        })
        .join(),
    ).toContain('the document has GET, HEAD');
    expect(producer.check({ ...notFound, method: 'POST', url: '/healthz', status: 404 })).toEqual(
      [],
    );
    expect(
      producer
        .check({ ...notFound, method: 'POST', url: '/healthz', status: 200, body: '{}' })
        .join(),
    ).toContain('expected 404');
  });
});
