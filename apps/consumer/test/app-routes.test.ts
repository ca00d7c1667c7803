import { get, type IncomingMessage } from 'node:http';
import { createLogger, createMetrics, type Guard } from '@demo-kafka/app-kit';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createConsumerMetrics } from '../src/consumer-metrics.js';
import { consumerAsyncApi } from '../src/http/consumer-asyncapi.js';
import { consumerOpenApi } from '../src/http/consumer-openapi.js';
import { StreamHub } from '../src/stream/stream-hub.js';
import { contractRequest, type ContractRequest } from '../../../test/support/contract-request.js';
import { listen } from '../../../test/support/listen.js';
import { MemoryTopicHistory } from './memory-topic-history.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly reqId?: string;
}

/** The consumer app on a hub with no Kafka; its log lines (at `info` and above) go into `logs`. */
function buildApp(
  options: { logs?: LogLine[]; ready?: boolean; maxClients?: number; guard?: Guard } = {},
): ReturnType<typeof createApp> {
  const metrics = createMetrics({ collectProcessMetrics: false });
  const consumerMetrics = createConsumerMetrics(metrics.registry);
  const logs = options.logs ?? [];
  const logger = createLogger('t', 'info', {
    write: (line: string) => void logs.push(JSON.parse(line) as LogLine),
  });
  const hub = new StreamHub({
    replaySize: 10,
    maxClients: options.maxClients ?? 10,
    maxClientBufferBytes: 1024,
    keepAliveMs: 60_000,
    retryMs: 1000,
    maxCatchUps: 10,
    history: new MemoryTopicHistory(),
    metrics: consumerMetrics,
    logger,
  });
  const readiness =
    options.ready === false ? { ready: false, reason: 'Kafka is not reachable' } : { ready: true };
  return createApp({
    hub,
    readiness: () => readiness,
    logger,
    metrics,
    consumerMetrics,
    corsOrigins: '*',
    page: { producerUrl: '' },
    ...(options.guard ? { guard: options.guard } : {}),
    topic: 'demo-default',
  });
}

/** `http_requests_total` samples of `/metrics`, as `method route status` -> count. */
async function requestCounts(app: ReturnType<typeof createApp>): Promise<Record<string, number>> {
  const text = (await (await contractRequest(app)).get('/metrics')).text;
  const counts: Record<string, number> = {};
  for (const [, method, route, status, value] of text.matchAll(
    /^http_requests_total\{method="(\w+)",route="([^"]*)",status="(\d+)"\} (\d+)$/gm,
  )) {
    counts[`${method} ${route} ${status}`] = Number(value);
  }
  return counts;
}

/** Opens `GET /messages` and resolves with the response once its head has arrived. */
function openStream(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) =>
    get(`${url}/messages`, { headers }, resolve).once('error', reject),
  );
}

// Every answer of `api` is also held to the app's own OpenAPI document (contractRequest).
describe('the consumer app', () => {
  let api: ContractRequest;
  beforeAll(async () => {
    api = await contractRequest(buildApp());
  });

  it("answers the browser's favicon request with 204, not a 404", async () => {
    const res = await api.get('/favicon.ico');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('refuses a stream filtered by more than one key, saying how to ask', async () => {
    const res = await api.get('/messages?key=a&key=b');
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.detail).toContain('?key=order-7');
  });

  it('refuses a since that is not a time', async () => {
    const res = await api.get('/messages?since=yesterday');
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('ISO 8601');
  });

  it('answers 503 with Retry-After when no client fits', async () => {
    const full = await contractRequest(buildApp({ maxClients: 0 }));
    const res = await full.get('/messages');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  });

  it('answers HEAD on the stream without opening one, and other methods with 405', async () => {
    const head = await api.head('/messages');
    expect(head.status).toBe(200);
    expect(head.type).toBe('text/event-stream');
    const post = await api.post('/messages').send('x');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('serves the page, its script and its config', async () => {
    expect((await api.get('/')).type).toBe('text/html');
    expect((await api.get('/index.html')).type).toBe('text/html');
    expect((await api.get('/page.js')).type).toBe('text/javascript');
    expect((await api.get('/config.json')).body).toEqual({ producerUrl: '', auth: false });
    expect((await api.get('/nothing-here')).status).toBe(404);
  });

  it('tells the page when the stream needs an access token, in its config', async () => {
    const guard: Guard = {
      handler: (_req, _res, next) => next(),
      scheme: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      scope: 'messages:read',
    };
    const guarded = await contractRequest(buildApp({ guard }));
    expect((await guarded.get('/config.json')).body).toEqual({ producerUrl: '', auth: true });
  });

  it('serves health, readiness and metrics', async () => {
    expect((await api.get('/healthz')).body).toEqual({ status: 'alive' });
    expect((await api.get('/readyz')).body).toEqual({ status: 'ready' });
    expect((await api.get('/metrics')).text).toContain('sse_clients');
    const notReady = await (await contractRequest(buildApp({ ready: false }))).get('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toEqual({ status: 'not ready', reason: 'Kafka is not reachable' });
  });

  it('serves its OpenAPI and AsyncAPI documents as built, the same bytes each time', async () => {
    const openapi = await api.get('/openapi.json');
    expect(openapi.type).toBe('application/json');
    expect(openapi.body).toEqual(consumerOpenApi());
    const asyncapi = await api.get('/asyncapi.json');
    expect(asyncapi.body).toEqual(consumerAsyncApi({ topic: 'demo-default' }));
    expect((await request(buildApp()).get('/asyncapi.json')).text).toBe(asyncapi.text);
  });

  it('answers every request with an X-Request-Id, the 200 stream and its 400s included', async () => {
    const app = buildApp();
    const api = await contractRequest(app);
    for (const path of ['/messages?key=a&key=b', '/messages?since=bogus', '/', '/readyz']) {
      const res = await api.get(path);
      expect(res.headers['x-request-id'], path).toMatch(/^[\w.:-]+$/);
    }
    expect(
      (await api.get('/messages?since=bogus').set('X-Request-Id', 'given-7')).headers[
        'x-request-id'
      ],
    ).toBe('given-7');
    const preflight = await api
      .options('/messages')
      .set('Origin', 'http://page.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['x-request-id']).toMatch(/^[\w.:-]+$/);
    const server = await listen(app);
    try {
      const stream = await openStream(server.url, { 'X-Request-Id': 'stream-1' });
      api.contract.assert({
        method: 'GET',
        url: '/messages',
        requestHeaders: { 'X-Request-Id': 'stream-1' },
        status: stream.statusCode ?? 0,
        responseHeaders: stream.headers,
        body: '',
      });
      expect(stream.statusCode).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.headers['x-request-id']).toBe('stream-1');
      stream.destroy();
    } finally {
      await server.close();
    }
  });

  it('counts GET /messages (streams and refusals) and GET / under their routes in http_requests_total', async () => {
    const app = buildApp();
    const api = await contractRequest(app);
    await api.get('/messages?since=bogus').expect(400);
    await api.get('/').expect(200);
    const server = await listen(app);
    try {
      const stream = await openStream(server.url);
      const closed = new Promise((resolve) => stream.once('close', resolve));
      stream.destroy();
      await closed;
      await expect.poll(() => requestCounts(app)).toMatchObject({ 'GET /messages 200': 1 });
    } finally {
      await server.close();
    }
    const counts = await requestCounts(app);
    expect(counts).toMatchObject({ 'GET /messages 400': 1, 'GET / 200': 1 });
    expect(Object.keys(counts).filter((key) => key.includes('unmatched'))).toEqual([]);
  });

  it('logs each stream at info when it opens and when it closes, with its request id', async () => {
    const logs: LogLine[] = [];
    const server = await listen(buildApp({ logs }));
    try {
      const stream = await openStream(server.url, { 'X-Request-Id': 'stream-2' });
      await expect
        .poll(() => logs.filter((line) => line.reqId === 'stream-2').map((line) => line.msg))
        .toEqual(['stream opened']);
      stream.destroy();
      await expect
        .poll(() =>
          logs.filter((line) => line.reqId === 'stream-2').map((line) => [line.level, line.msg]),
        )
        .toEqual([
          [30, 'stream opened'],
          [30, 'stream closed'],
        ]);
    } finally {
      await server.close();
    }
  });
});
