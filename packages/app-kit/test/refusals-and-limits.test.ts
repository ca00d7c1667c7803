import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { HttpProblem, problemHandler } from '../src/http/problem.js';
import { rateLimit } from '../src/http/rate-limit.js';
import { RefusalLog } from '../src/http/refusal-log.js';
import { requestLogging } from '../src/http/request-logging.js';
import { createLogger } from '../src/logger.js';

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly refused?: number;
}

const WARN = 40;

function capture(): { lines: Line[]; logger: ReturnType<typeof createLogger> } {
  const lines: Line[] = [];
  return {
    lines,
    logger: createLogger('t', 'debug', {
      write: (line: string) => void lines.push(JSON.parse(line) as Line),
    }),
  };
}

describe('refusals', () => {
  it('are logged once per kind and interval, with how many were left out', () => {
    const { lines, logger } = capture();
    let now = 0;
    const realNow = performance.now.bind(performance);
    performance.now = () => now;
    try {
      const log = new RefusalLog(logger, 60_000);
      for (let i = 0; i < 1000; i++) log.refused('401 POST /messages', {});
      log.refused('503 Service Unavailable', {});
      expect(lines.map((l) => l.msg)).toEqual([
        'refused: 401 POST /messages',
        'refused: 503 Service Unavailable',
      ]);
      now = 61_000;
      log.refused('401 POST /messages', {});
      expect(lines).toHaveLength(3);
      expect(lines[2]).toMatchObject({ level: WARN, refused: 1000 });
      expect(lines[2]?.msg).toBe('refused: 401 POST /messages (1000 times since the last line)');
    } finally {
      performance.now = realNow;
    }
  });

  it('a flood of refused requests writes one line, not one per request, and no stack', async () => {
    const { lines, logger } = capture();
    const app = express();
    app.use(requestLogging(logger));
    app.post('/messages', () => {
      throw new HttpProblem(503, 'Service Unavailable', 'Kafka is not reachable', {
        'Retry-After': '1',
      });
    });
    app.get('/secret', () => {
      throw new HttpProblem(401, 'Unauthorized', 'needs a token');
    });
    app.use(problemHandler(logger));
    for (let i = 0; i < 50; i++) {
      expect((await request(app).post('/messages')).status).toBe(503);
      expect((await request(app).get('/secret')).status).toBe(401);
    }
    // One line per kind: the 503 as the problem handler and as the request log saw it, the 401.
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines.every((l) => l.level === WARN)).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('stack');
  });

  it('a refusal by a route mounted before request logging (the stream) is logged too, once', async () => {
    const { lines, logger } = capture();
    const app = express();
    app.get('/messages', () => {
      throw new HttpProblem(429, 'Too Many Requests', 'this client holds 100 streams');
    });
    app.use(requestLogging(logger));
    app.use(problemHandler(logger));
    for (let i = 0; i < 20; i++) expect((await request(app).get('/messages')).status).toBe(429);
    expect(lines.map((l) => l.msg)).toEqual(['refused: 429 Too Many Requests']);
  });

  it('an unexpected error is still logged at error, each time', async () => {
    const { lines, logger } = capture();
    const app = express();
    app.get('/boom', () => {
      throw new Error('bug');
    });
    app.use(problemHandler(logger));
    await request(app).get('/boom');
    await request(app).get('/boom');
    expect(lines.filter((l) => l.msg === 'request failed')).toHaveLength(2);
  });
});

describe('rate limit', () => {
  function limited(perSecond: number): express.Express {
    const app = express();
    app.post('/messages', rateLimit(perSecond, 'POSTs'), (_req, res) => {
      res.send('ok');
    });
    app.use(problemHandler());
    return app;
  }

  it('lets a second of requests through, then answers 429 with Retry-After', async () => {
    const app = limited(5);
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await request(app).post('/messages')).status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(6);
    const refused = await request(app).post('/messages');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.detail).toMatch(/at most 5 POSTs a second per client/);
  });

  it('zero is no limit', async () => {
    const app = limited(0);
    for (let i = 0; i < 20; i++) expect((await request(app).post('/messages')).status).toBe(200);
  });
});
