import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listen, type Listening } from '../../../test/support/listen.js';
import { readTopic } from '../../../test/support/read-topic.js';
import { buildProducer, type TestProducer } from './build-producer.js';

const kafka = inject('kafka');

/** Sends raw bytes and returns what came back (the status line, or '' when the server just closed). */
function raw(
  port: number,
  bytes: string | Buffer,
  options: { endAfterMs?: number; abortAfterMs?: number } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.write(bytes);
    if (options.abortAfterMs !== undefined)
      setTimeout(() => socket.destroy(), options.abortAfterMs);
    else setTimeout(() => socket.end(), options.endAfterMs ?? 1500);
  });
}

describe('hostile requests to the producer', () => {
  let producer: TestProducer;
  let served: Listening;
  let port: number;
  const TOPIC = `hostile-${randomUUID()}`;

  beforeAll(async () => {
    producer = await buildProducer({
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      MAX_MESSAGE_BYTES: '1024',
    });
    served = await listen(producer.app);
    port = served.port;
  });
  afterAll(async () => {
    await served?.close();
    await producer?.close();
  });

  const post = (body: string | Buffer, headers: Record<string, string> = {}): Buffer =>
    Buffer.concat([
      Buffer.from(
        `POST /messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${Object.entries(
          headers,
        )
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}\r\n`,
      ),
      Buffer.isBuffer(body) ? body : Buffer.from(body),
    ]);

  const cases: Array<{ name: string; send: () => Promise<string>; expected: RegExp }> = [
    { name: 'empty body', send: () => raw(port, post('')), expected: /^HTTP\/1\.1 400/ },
    {
      name: 'body over the limit',
      send: () => raw(port, post('x'.repeat(1025))),
      expected: /^HTTP\/1\.1 413/,
    },
    {
      name: 'binary body',
      send: () =>
        raw(
          port,
          post(Buffer.from([0, 1, 2, 255, 254]), { 'Content-Type': 'application/octet-stream' }),
        ),
      expected: /^HTTP\/1\.1 200/,
    },
    {
      name: 'invalid UTF-8 declared as UTF-8',
      send: () =>
        raw(
          port,
          post(Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), {
            'Content-Type': 'text/plain; charset=utf-8',
          }),
        ),
      expected: /^HTTP\/1\.1 200/,
    },
    {
      name: 'an unknown charset',
      send: () => raw(port, post('hi', { 'Content-Type': 'text/plain; charset=klingon' })),
      expected: /^HTTP\/1\.1 200/,
    },
    {
      name: 'a body in an encoding the server does not inflate',
      send: () => raw(port, post('hi', { 'Content-Encoding': 'compress' })),
      expected: /^HTTP\/1\.1 415/,
    },
    {
      name: 'DELETE /messages',
      send: () => raw(port, 'DELETE /messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      expected: /^HTTP\/1\.1 405/,
    },
    {
      name: 'an unknown method',
      send: () => raw(port, 'BREW /messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      expected: /^HTTP\/1\.1 400/,
    },
    {
      name: 'a garbage request line',
      send: () => raw(port, '\u0000\u0001garbage\r\n\r\n'),
      expected: /^HTTP\/1\.1 400/,
    },
    {
      name: 'a garbage header',
      send: () => raw(port, 'POST /messages HTTP/1.1\r\nHost: x\r\nBad Header\u0000: y\r\n\r\n'),
      expected: /^HTTP\/1\.1 400/,
    },
    {
      name: 'oversized headers',
      send: () =>
        raw(port, `POST /messages HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      expected: /^HTTP\/1\.1 431/,
    },
    {
      name: 'Content-Length larger than the body, then silence',
      send: () =>
        raw(port, 'POST /messages HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort', {
          abortAfterMs: 300,
        }),
      expected: /^$/,
    },
    {
      name: 'a chunked body aborted midway',
      send: () =>
        raw(
          port,
          'POST /messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
          { abortAfterMs: 300 },
        ),
      expected: /^$/,
    },
    // Whether the answer still reaches it is a race; what matters is that the server goes on.
    {
      name: 'a client that leaves before the answer',
      send: () => raw(port, post('leaving early'), { abortAfterMs: 1 }),
      expected: /^(|HTTP\/1\.1 200 OK)$/,
    },
    // The query parser keeps what it cannot decode (as U+FFFD): the key is odd but the message is fine.
    {
      name: 'a bad percent-encoding in the key',
      send: () =>
        raw(
          port,
          'POST /messages?key=%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi',
        ),
      expected: /^HTTP\/1\.1 200/,
    },
  ];

  for (const { name, send, expected } of cases) {
    it(`${name} gets its answer, and the server still serves`, async () => {
      expect(await send()).toMatch(expected);
      const check = await fetch(`http://127.0.0.1:${port}/messages`, {
        method: 'POST',
        body: `still serving after ${name}`,
      });
      expect(check.status).toBe(200);
    });
  }

  it('wrote the binary and invalid UTF-8 bodies byte for byte, and nothing of the bodies that were cut off', async () => {
    const invalidUtf8 = Buffer.from([0xc3, 0x28, 0xa0, 0xa1]);
    const records = await readTopic(kafka.bindingDir, producer.topic, (rs) =>
      rs.some(
        (r) => r.value?.toString() === 'still serving after a bad percent-encoding in the key',
      ),
    );
    expect(records.some((r) => r.value?.equals(invalidUtf8))).toBe(true);
    expect(records.some((r) => r.value?.equals(Buffer.from([0, 1, 2, 255, 254])))).toBe(true);
    const values = records.map((r) => r.value?.toString('latin1'));
    expect(values).not.toContain('short');
    expect(values).not.toContain('hello');
  });

  it('bounds how long a client may take to send its request', () => {
    expect({
      headersTimeout: served.server.headersTimeout,
      requestTimeout: served.server.requestTimeout,
    }).toEqual({ headersTimeout: 10_000, requestTimeout: 30_000 });
  });

  it('keeps serving others while 50 clients hold half-sent headers', async () => {
    const sockets = Array.from({ length: 50 }, () => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write('POST /messages HTTP/1.1\r\nHo');
      return socket;
    });
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/messages`, {
      method: 'POST',
      body: 'not blocked',
    });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    sockets.forEach((s) => {
      s.destroy();
    });
  });
});
