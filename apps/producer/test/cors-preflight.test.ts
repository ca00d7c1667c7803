import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { appWithSink, UNUSED_SINK } from './app-with-sink.js';

// A preflight never reaches the sink.
const app = appWithSink(UNUSED_SINK, { corsOrigins: 'https://page.example' });

describe('a page on another origin', () => {
  it('may send every header the producer turns into record headers: the key, Kafka-Header-*, CloudEvents attributes and extensions, trace context', async () => {
    const asked = [
      'content-type',
      'kafka-key',
      'kafka-header-trace-id',
      'kafka-header-tenant',
      'ce-specversion',
      'ce-id',
      'ce-source',
      'ce-type',
      'ce-myextension',
      'traceparent',
      'tracestate',
    ];
    const res = await request(app)
      .options('/messages')
      .set('Origin', 'https://page.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', asked.join(','));
    expect(res.status).toBe(204);
    const allowed = new Set(
      (res.headers['access-control-allow-headers'] ?? '')
        .split(',')
        .map((h: string) => h.trim().toLowerCase()),
    );
    expect(asked.filter((h) => !allowed.has(h))).toEqual([]);
  });
});
