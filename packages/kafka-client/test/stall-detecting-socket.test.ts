import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  STALLED_CODE,
  stallDetectingSocketFactory,
} from '../src/connection/stall-detecting-socket.js';

const servers: Server[] = [];
afterEach(() =>
  servers.splice(0).forEach((s) => {
    s.close();
  }),
);

/** A TCP server that answers each chunk with `reply`, or (reply undefined) accepts and never answers, as a frozen broker. */
async function server(reply: string | undefined): Promise<number> {
  const s = createServer((socket: Socket) =>
    socket.on('data', () => reply !== undefined && socket.write(reply)),
  );
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  return typeof address === 'object' && address ? address.port : 0;
}

function open(port: number, stallMs: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket: Socket = stallDetectingSocketFactory(stallMs)({
      host: '127.0.0.1',
      port,
      ssl: false as never,
      onConnect: () => resolve(socket),
    });
  });
}

describe('stallDetectingSocketFactory', () => {
  it('closes a connection that was sent a request and answered nothing for stallMs', async () => {
    const socket = await open(await server(undefined), 50);
    const error = new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    const started = Date.now();
    socket.write('request');
    expect((await error).code).toBe(STALLED_CODE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(socket.destroyed).toBe(true);
  });

  it('closes a TLS connection whose handshake gets no answer (a frozen broker still accepts TCP)', async () => {
    const port = await server(undefined);
    const socket = stallDetectingSocketFactory(50)({
      host: '127.0.0.1',
      port,
      ssl: {} as never,
      onConnect: () => {},
    });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) =>
      socket.once('error', resolve),
    );
    expect(error.code).toBe(STALLED_CODE);
    expect(error.message).toMatch(/no handshake from 127\.0\.0\.1:\d+ within 50 ms/);
  });

  it('keeps a connection whose broker answers requests one after another, each within stallMs (a produce waiting for its in-sync replicas, a request queued behind it)', async () => {
    // As a Kafka broker does: one request of a connection at a time, each answered half of stallMs after the previous answer.
    const s = createServer((socket: Socket) => {
      let next = Date.now();
      socket.on('data', (chunk: Buffer) => {
        for (const byte of chunk) {
          next = Math.max(next, Date.now()) + 150;
          setTimeout(() => socket.write(String.fromCharCode(byte)), next - Date.now());
        }
      });
    });
    servers.push(s);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const socket = await open((s.address() as { port: number }).port, 300);
    let answers = '';
    const both = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        answers += chunk.toString();
        if (answers.length === 2) resolve();
      }),
    );
    socket.write('a');
    await new Promise((resolve) => setTimeout(resolve, 10));
    socket.write('b');
    await both;
    // The second answer came 300 ms after the first request: no stall, since the first answer came in between.
    expect(answers).toBe('ab');
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('keeps a connection that answers, and one that is idle', async () => {
    const socket = await open(await server('answer'), 50);
    for (let i = 0; i < 4; i++) {
      const answered = new Promise((resolve) => socket.once('data', resolve));
      socket.write('request');
      await answered;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    // Idle (nothing asked) for longer than stallMs.
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });
});
