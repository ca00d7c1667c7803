import { createLogger, createMetrics } from '@demo-kafka/app-kit';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createConsumerMetrics } from '../src/consumer-metrics.js';
import { consumerAsyncApi } from '../src/http/consumer-asyncapi.js';
import { consumerOpenApi } from '../src/http/consumer-openapi.js';
import { StreamHub } from '../src/stream/stream-hub.js';
import { contractRequest, type ContractRequest } from '../../../test/support/contract-request.js';

function buildApp(options: { ready?: boolean; maxClients?: number } = {}): ReturnType<typeof createApp> {
  const metrics = createMetrics({ collectProcessMetrics: false });
  const consumerMetrics = createConsumerMetrics(metrics.registry);
  const logger = createLogger('t', 'silent');
  const hub = new StreamHub({ replaySize: 10, maxClients: options.maxClients ?? 10, maxClientBufferBytes: 1024, keepAliveMs: 60_000, retryMs: 1000, metrics: consumerMetrics, logger });
  const readiness = options.ready === false ? { ready: false, reason: 'Kafka is not reachable' } : { ready: true };
  return createApp({ hub, readiness: () => readiness, logger, metrics, consumerMetrics, corsOrigins: '*', page: { producerUrl: '' }, topic: 'demo-default' });
}

// Every answer below is also held to the app's own OpenAPI document (contractRequest).
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
    expect((await api.get('/page.js')).type).toBe('text/javascript');
    expect((await api.get('/config.json')).body).toEqual({ producerUrl: '' });
    expect((await api.get('/nothing-here')).status).toBe(404);
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
});
