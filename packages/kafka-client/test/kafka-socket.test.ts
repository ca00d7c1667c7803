import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { kafkaSocketFactory } from '../src/connection/kafka-socket.js';

/** A port nothing listens on (a broker that is down): connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('kafkaSocketFactory', () => {
  it('ignores unref() once closed: kafkajs disconnects an unreachable broker again and again', async () => {
    const socket: Socket = kafkaSocketFactory({
      host: '127.0.0.1',
      port: await closedPort(),
      ssl: false as never,
      onConnect: () => {},
    });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('close', resolve));
    const before = socket.listenerCount('connect');
    for (let i = 0; i < 11; i++) {
      socket.end();
      socket.unref();
    }
    // Node would add a 'connect' listener per call, and warn of a leak after ten.
    expect(socket.listenerCount('connect')).toBe(before);
  });
});
