import express, { type Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { cors } from '../src/http/cors.js';
import {
  HttpProblem,
  methodNotAllowed,
  notFound,
  problemFor,
  problemHandler,
} from '../src/http/problem.js';
import { createLogger } from '../src/logger.js';

const SECRET = 'hunter2-db-password';

function problemApp(): Express {
  const app = express();
  app.post('/small', express.raw({ type: () => true, limit: 10 }), (_req, res) => {
    res.status(204).end();
  });
  app.get('/boom', () => {
    const error = new Error(`connect to postgres://app:${SECRET}@db failed`);
    throw error;
  });
  app.get('/teapot', () => {
    throw new HttpProblem(418, "I'm a teapot", 'short and stout', { 'Retry-After': '3' });
  });
  app.get('/bad-client', () => {
    throw Object.assign(new Error(`internal detail ${SECRET}`), { status: 422 });
  });
  app.get('/thrown-string', () => {
    // Libraries may throw anything, not only Error objects.
    throw SECRET;
  });
  app.get('/messages', (_req, res) => {
    res.send('ok');
  });
  app.all('/messages', methodNotAllowed(['GET', 'HEAD']));
  app.use(notFound());
  app.use(problemHandler());
  return app;
}

describe('problemHandler', () => {
  it('answers a body over the limit with 413 problem+json that says the limit', async () => {
    const res = await request(problemApp())
      .post('/small')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(100));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toEqual({
      type: 'about:blank',
      title: 'Payload Too Large',
      status: 413,
      detail: 'the message is larger than the limit of 10 bytes',
    });
  });

  it('answers an unexpected error with a bare 500, without its message or stack', async () => {
    const res = await request(problemApp()).get('/boom');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
    });
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain('postgres');
    expect(res.text).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('logs an unexpected error with its own logger when the request has none (routes before request logging)', async () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (line: string) => void lines.push(line) });
    const app = express();
    app.get('/stream', () => {
      throw new Error('session set-up failed');
    });
    app.use(problemHandler(logger));
    const res = await request(app).get('/stream');
    expect(res.status).toBe(500);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 50,
      msg: 'request failed',
      err: { message: 'session set-up failed' },
    });
  });

  it('answers a thrown non-Error with a bare 500', async () => {
    const res = await request(problemApp()).get('/thrown-string');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain(SECRET);
  });

  it('keeps a 4xx status from an error but not its message', async () => {
    const res = await request(problemApp()).get('/bad-client');
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 422,
      detail: 'the request could not be read',
    });
    expect(res.text).not.toContain(SECRET);
  });

  it('sends an HttpProblem as thrown, with its headers', async () => {
    const res = await request(problemApp()).get('/teapot');
    expect(res.status).toBe(418);
    expect(res.headers['retry-after']).toBe('3');
    expect(JSON.parse(res.text)).toEqual({
      type: 'about:blank',
      title: "I'm a teapot",
      status: 418,
      detail: 'short and stout',
    });
  });

  it('answers an unknown path with 404 problem+json naming the path', async () => {
    const res = await request(problemApp()).get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({
      status: 404,
      detail: 'nothing is served at /nowhere',
    });
  });
});

describe('problemFor', () => {
  it.each([
    [{ type: 'request.aborted', status: 400 }, 400],
    [{ type: 'encoding.unsupported', status: 415 }, 415],
    [{ type: 'entity.too.large', status: 413 }, 413],
    [{ status: 503 }, 500],
    [{ status: '404' }, 500],
    [null, 500],
    [undefined, 500],
  ])('maps %j to %i', (error, status) => {
    expect(problemFor(error).status).toBe(status);
  });
});

describe('methodNotAllowed', () => {
  it('answers another method with 405 and Allow listing the methods', async () => {
    const res = await request(problemApp()).delete('/messages');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({
      status: 405,
      title: 'Method Not Allowed',
      detail: 'DELETE is not supported here; use GET or HEAD',
    });
  });

  it('leaves the allowed method to its route', async () => {
    const res = await request(problemApp()).get('/messages');
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
  });
});

function corsApp(origins: string): Express {
  const app = express();
  app.use(cors(origins, ['Last-Event-ID', 'Content-Type']));
  app.get('/x', (_req, res) => {
    res.send('x');
  });
  app.options('/x', (_req, res) => {
    res.status(299).end();
  });
  return app;
}

describe('cors', () => {
  it("with '*' answers a preflight itself: 204 with the allowed methods and headers", async () => {
    const res = await request(corsApp('*'))
      .options('/x')
      .set('Origin', 'https://page.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect(res.headers['access-control-allow-headers']).toBe('Last-Event-ID, Content-Type');
    expect(res.headers['access-control-max-age']).toBe('600');
    // '*' is the same answer for every origin: a cache may share it.
    expect(res.headers.vary ?? '').not.toMatch(/origin/i);
  });

  it("with '*' lets a cross-origin GET read the response and its exposed headers", async () => {
    const res = await request(corsApp('*')).get('/x').set('Origin', 'https://page.example');
    expect(res.status).toBe(200);
    expect(res.text).toBe('x');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-expose-headers']).toBe('Retry-After, X-Request-Id');
  });

  it('echoes a listed origin and varies on Origin', async () => {
    const app = corsApp('https://a.example, https://b.example');
    const res = await request(app).get('/x').set('Origin', 'https://b.example');
    expect(res.headers['access-control-allow-origin']).toBe('https://b.example');
    expect(res.headers.vary).toMatch(/\bOrigin\b/);
    const preflight = await request(app)
      .options('/x')
      .set('Origin', 'https://a.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://a.example');
  });

  it('gives an unlisted origin no CORS headers and leaves its preflight to the app', async () => {
    const app = corsApp('https://a.example');
    const res = await request(app).get('/x').set('Origin', 'https://evil.example');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
    const preflight = await request(app)
      .options('/x')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(299);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('does not treat a prefix or suffix of a listed origin as listed', async () => {
    const app = corsApp('https://a.example');
    for (const origin of ['https://a.example.evil', 'https://a.exampl', 'http://a.example']) {
      const res = await request(app).get('/x').set('Origin', origin);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('adds nothing to a same-origin request (no Origin header)', async () => {
    const res = await request(corsApp('*')).get('/x');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows the members of a header family (a name ending in *) that a preflight asks for, and nothing else', async () => {
    const app = express();
    app.use(cors('*', ['Content-Type', 'Kafka-Header-*']));
    const preflight = (requested: string) =>
      request(app)
        .options('/x')
        .set('Origin', 'https://page.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', requested);
    const asked = await preflight(
      'content-type, Kafka-Header-Trace-Id, kafka-header-x, x-other, kafka-header-',
    );
    expect(asked.headers['access-control-allow-headers']).toBe(
      'Content-Type, kafka-header-trace-id, kafka-header-x',
    );
    // The answer depends on the request's list: caches must key on it.
    expect(asked.headers.vary).toMatch(/Access-Control-Request-Headers/i);
    const plain = await preflight('content-type');
    expect(plain.headers['access-control-allow-headers']).toBe('Content-Type');
    expect(plain.headers['access-control-allow-headers']).not.toContain('*');
  });

  it('allows nobody with an empty list', async () => {
    const res = await request(corsApp(' , ')).get('/x').set('Origin', 'https://a.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
