import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { appWithSink, UNUSED_SINK } from './app-with-sink.js';

// A sink that fails as a whole, not record by record (a bug, or a client library that throws).
const app = appWithSink({
  ...UNUSED_SINK,
  writeAll: () => Promise.reject(new Error('the sink broke')),
});

describe('a batch whose sink fails as a whole', () => {
  it('still answers every line, in order, each as not written', async () => {
    const res = await request(app)
      .post('/messages')
      .set('Content-Type', 'application/x-ndjson')
      .send('{"value":"a"}\nnot json\n{"value":"b"}\n')
      .responseType('blob');
    expect(res.status).toBe(200);
    const body = String(res.body);
    const lines = body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; status: number });
    expect(lines.map((l) => [l.line, l.status])).toEqual([
      [1, 500],
      [2, 400],
      [3, 500],
    ]);
    expect(body).not.toContain('the sink broke');
  });
});
