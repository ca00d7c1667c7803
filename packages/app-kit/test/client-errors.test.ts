import { connect } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestId } from '../src/http/request-id.js';
import { serve, type RunningServer } from '../src/lifecycle/serve.js';
import { createLogger } from '../src/logger.js';

/** An answer read off a raw socket. */
interface RawAnswer {
  readonly statusLine: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/**
 * Sends bytes as they are (no client would send these) and reads what comes back: settles only
 * when the server closes the connection, as it must after a request it could not parse.
 */
function raw(port: number, bytes: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
        }),
      );
      resolve({ statusLine, headers, body });
    });
    socket.write(bytes);
  });
}

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('requests Node refuses before the app sees them', () => {
  let running: RunningServer;

  beforeAll(async () => {
    const logger = createLogger('client-errors-test', 'silent');
    const app = express();
    app.use(requestId(logger));
    app.get('/ok', (_req, res) => {
      res.send('ok');
    });
    // As both apps are served (main.ts): serve() sets up the server.
    running = await serve(app, { port: 0, host: '127.0.0.1', logger, onShutdown: async () => {} });
  });
  afterAll(async () => running?.shutdown());

  const cases = [
    {
      name: 'a raw non-ASCII header name',
      bytes: latin1('GET /ok HTTP/1.1\r\nHost: x\r\nK\u00e4se: 1\r\n\r\n'),
      status: 400,
      detail: /not HTTP the server can read \(Invalid header token\)/,
    },
    {
      name: 'a raw non-ASCII byte in the query',
      bytes: latin1('GET /ok?key=\u00e4 HTTP/1.1\r\nHost: x\r\n\r\n'),
      status: 400,
      detail: /Invalid char in url query/,
    },
    {
      name: 'a space in the request target',
      bytes: latin1('GET /ok?key=a b HTTP/1.1\r\nHost: x\r\n\r\n'),
      status: 400,
      detail: /not HTTP the server can read/,
    },
    {
      name: 'headers larger than Node reads',
      bytes: latin1(`GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      status: 431,
      detail: /headers are larger than the server reads/,
    },
  ];

  for (const { name, bytes, status, detail } of cases) {
    it(`answers ${name} with ${status} problem+json and a request id, then closes`, async () => {
      const answer = await raw(running.port, bytes);
      expect(answer.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
      expect(answer.headers.get('content-length')).toBe(String(Buffer.byteLength(answer.body)));
      const problem = JSON.parse(answer.body) as Record<string, unknown>;
      expect(problem).toMatchObject({ type: 'about:blank', status });
      expect(problem.detail).toMatch(detail);
    });
  }

  it('gives each refused request its own id, of the same form as the requests the app answers', async () => {
    const ids = await Promise.all(
      [1, 2].map(
        async () =>
          (await raw(running.port, latin1('GET /ok HTTP/1.1\r\nK\u00e4se: 1\r\n\r\n'))).headers.get(
            'x-request-id',
          ) ?? '',
      ),
    );
    expect(new Set(ids).size).toBe(2);
    const served = await fetch(`http://127.0.0.1:${running.port}/ok`);
    expect(await served.text()).toBe('ok');
    const prefix = (id: string): string => id.split('-')[0] ?? '';
    expect(prefix(served.headers.get('x-request-id') ?? '')).toBe(prefix(ids[0] ?? ''));
  });
});
