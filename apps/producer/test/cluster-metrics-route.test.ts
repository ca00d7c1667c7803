import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ClusterMetricsUnavailable } from '../src/cluster/worker-link.js';
import { appWithSink, UNUSED_SINK } from './app-with-sink.js';

/** A worker's app whose primary could not gather the metrics (a worker restarting). */
const workerApp = (metrics: () => Promise<{ text: string; contentType: string }>) =>
  appWithSink(UNUSED_SINK, { cluster: { readiness: () => ({ ready: true }), metrics } });

describe('GET /metrics of a worker', () => {
  it("answers 503 with Retry-After when the workers' metrics cannot be gathered now", async () => {
    const app = workerApp(() =>
      Promise.reject(new ClusterMetricsUnavailable('the primary did not answer with the metrics')),
    );
    const res = await request(app).get('/metrics').expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.type).toBe('application/problem+json');
  });

  it('serves the aggregated text', async () => {
    const app = workerApp(() =>
      Promise.resolve({ text: 'x_total 3\n', contentType: 'text/plain; version=0.0.4' }),
    );
    const res = await request(app).get('/metrics').expect(200);
    expect(res.text).toBe('x_total 3\n');
  });
});
