import { get, type IncomingMessage } from 'node:http';
import { createLogger, createMetrics } from '@demo-kafka/app-kit';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createConsumerMetrics } from '../src/consumer-metrics.js';
import { StreamHub } from '../src/stream/stream-hub.js';
import { listen } from '../../../test/support/listen.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly reqId?: string;
}

/** The consumer app on a hub with no Kafka; its log lines (at `info` and above) go into `logs`. */
function buildApp(logs: LogLine[] = []): ReturnType<typeof createApp> {
  const metrics = createMetrics({ collectProcessMetrics: false });
  const consumerMetrics = createConsumerMetrics(metrics.registry);
  const logger = createLogger('t', 'info', { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const hub = new StreamHub({ replaySize: 10, maxClients: 10, maxClientBufferBytes: 1024, keepAliveMs: 60_000, retryMs: 1000, metrics: consumerMetrics, logger });
  return createApp({ hub, readiness: () => ({ ready: true }), logger, metrics, consumerMetrics, corsOrigins: '*', page: { producerUrl: '' } });
}

/** `http_requests_total` samples of `/metrics`, as `method route status` -> count. */
async function requestCounts(app: ReturnType<typeof createApp>): Promise<Record<string, number>> {
  const text = (await request(app).get('/metrics')).text;
  const counts: Record<string, number> = {};
  for (const [, method, route, status, value] of text.matchAll(/^http_requests_total\{method="(\w+)",route="([^"]*)",status="(\d+)"\} (\d+)$/gm)) {
    counts[`${method} ${route} ${status}`] = Number(value);
  }
  return counts;
}

/** Opens `GET /messages` and resolves with the response once its head has arrived. */
function openStream(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(`${url}/messages`, { headers }, resolve).once('error', reject));
}

describe('the consumer app', () => {
  it("answers the browser's favicon request with 204, not a 404", async () => {
    const res = await request(buildApp()).get('/favicon.ico');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('refuses a stream filtered by more than one key, saying how to ask', async () => {
    const res = await request(buildApp()).get('/messages?key=a&key=b');
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.detail).toContain('?key=order-7');
  });

  it('answers every request with an X-Request-Id, the 200 stream and its 400s included', async () => {
    const app = buildApp();
    for (const path of ['/messages?key=a&key=b', '/messages?since=bogus', '/', '/readyz']) {
      const res = await request(app).get(path);
      expect(res.headers['x-request-id'], path).toMatch(/^[\w.:-]+$/);
    }
    expect((await request(app).get('/messages?since=bogus').set('X-Request-Id', 'given-7')).headers['x-request-id']).toBe('given-7');
    const preflight = await request(app).options('/messages').set('Origin', 'http://page.example').set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['x-request-id']).toMatch(/^[\w.:-]+$/);
    const server = await listen(app);
    try {
      const stream = await openStream(server.url, { 'X-Request-Id': 'stream-1' });
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
    await request(app).get('/messages?since=bogus').expect(400);
    await request(app).get('/').expect(200);
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
    const server = await listen(buildApp(logs));
    try {
      const stream = await openStream(server.url, { 'X-Request-Id': 'stream-2' });
      await expect.poll(() => logs.filter((line) => line.reqId === 'stream-2').map((line) => line.msg)).toEqual(['stream opened']);
      stream.destroy();
      await expect.poll(() => logs.filter((line) => line.reqId === 'stream-2').map((line) => [line.level, line.msg])).toEqual([
        [30, 'stream opened'],
        [30, 'stream closed'],
      ]);
    } finally {
      await server.close();
    }
  });
});
