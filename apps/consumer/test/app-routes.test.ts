import { createLogger, createMetrics } from '@demo-kafka/app-kit';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createConsumerMetrics } from '../src/consumer-metrics.js';
import { StreamHub } from '../src/stream/stream-hub.js';

function buildApp(): ReturnType<typeof createApp> {
  const metrics = createMetrics({ collectProcessMetrics: false });
  const consumerMetrics = createConsumerMetrics(metrics.registry);
  const logger = createLogger('t', 'silent');
  const hub = new StreamHub({ replaySize: 10, maxClients: 10, maxClientBufferBytes: 1024, keepAliveMs: 60_000, retryMs: 1000, metrics: consumerMetrics, logger });
  return createApp({ hub, readiness: () => ({ ready: true }), logger, metrics, consumerMetrics, corsOrigins: '*', page: { producerUrl: '' } });
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
});
