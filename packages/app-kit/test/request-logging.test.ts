import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { notFound } from '../src/http/problem.js';
import { loggableUrl, requestLogging } from '../src/http/request-logging.js';
import { createLogger } from '../src/logger.js';

interface LogLine {
  readonly level: number;
  readonly res?: { readonly statusCode: number };
  readonly req?: { readonly url: string };
}

/** An app that logs its requests into `logs`: 200 at /ok, 500 at /fail, 404 elsewhere. */
function appLoggingTo(logs: LogLine[]): express.Express {
  const app = express();
  app.use(
    requestLogging(
      createLogger('t', 'info', {
        write: (line: string) => void logs.push(JSON.parse(line) as LogLine),
      }),
    ),
  );
  app.get('/ok', (_req, res) => {
    res.send('ok');
  });
  app.get('/fail', (_req, res) => {
    res.status(500).send('no');
  });
  app.use(notFound());
  return app;
}

const INFO = 30;
const ERROR = 50;

describe('request logging', () => {
  it('logs a client error (4xx) at info, as a success: the client has it to fix, and WARN would flood the log', async () => {
    const logs: LogLine[] = [];
    const app = appLoggingTo(logs);
    await request(app).get('/favicon.ico').expect(404);
    await request(app).get('/ok').expect(200);
    expect(logs.map((l) => [l.res?.statusCode, l.level])).toEqual([
      [404, INFO],
      [200, INFO],
    ]);
  });

  it('logs a server error (5xx) at error', async () => {
    const logs: LogLine[] = [];
    await request(appLoggingTo(logs)).get('/fail').expect(500);
    expect(logs.map((l) => [l.res?.statusCode, l.level])).toEqual([[500, ERROR]]);
  });

  it('never logs a credential given in the query string, and keeps the rest of the URL', async () => {
    const logs: LogLine[] = [];
    await request(appLoggingTo(logs))
      .get('/ok?key=order-7&access_token=s3cr3t&Api-Key=abc&lastEventId=0:5')
      .expect(200);
    const line = JSON.stringify(logs);
    expect(line).not.toContain('s3cr3t');
    expect(line).not.toContain('abc');
    expect(logs[0]?.req?.url).toBe(
      '/ok?key=order-7&access_token=[redacted]&Api-Key=[redacted]&lastEventId=0:5',
    );
  });

  it('judges a parameter by its decoded name', () => {
    expect(loggableUrl('/messages?%74oken=x&key=k')).toBe('/messages?%74oken=[redacted]&key=k');
    expect(loggableUrl('/messages')).toBe('/messages');
    expect(loggableUrl('/messages?%E0=1')).toBe('/messages?%E0=1');
  });
});
