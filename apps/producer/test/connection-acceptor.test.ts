import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionAcceptor, type AcceptingWorker } from '../src/cluster/connection-acceptor.js';
import type { ClusterMessage } from '../src/cluster/messages.js';

/** Every socket of a test, both ends, destroyed after it. */
const sockets: Socket[] = [];

/** A worker that keeps the sockets it is handed, as a worker's HTTP server would. */
class FakeWorker implements AcceptingWorker {
  connected = true;
  readonly sockets: Socket[] = [];
  constructor(readonly id: number) {}
  isConnected(): boolean {
    return this.connected;
  }
  send(message: ClusterMessage, handle: Socket, callback: (error: Error | null) => void): boolean {
    expect(message).toEqual({ type: 'producer:connection' });
    this.sockets.push(handle);
    sockets.push(handle);
    callback(null);
    return true;
  }
}

describe('ConnectionAcceptor', () => {
  let acceptor: ConnectionAcceptor | undefined;
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await acceptor?.close();
  });

  const start = async (fill: number, ...workers: FakeWorker[]): Promise<number> => {
    const port = new Promise<number>((resolve, reject) => {
      acceptor = new ConnectionAcceptor({
        port: 0,
        host: '127.0.0.1',
        fill,
        onListening: resolve,
        onListenError: reject,
        onAcceptError: reject,
      });
    });
    for (const worker of workers) acceptor?.add(worker);
    return port;
  };
  const open = async (port: number, count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const client = connect(port, '127.0.0.1');
      sockets.push(client);
      await new Promise((resolve) => client.once('connect', resolve));
    }
  };

  it('fills the first worker, then spreads the rest evenly', async () => {
    const [first, second] = [new FakeWorker(1), new FakeWorker(2)];
    const port = await start(4, first, second);
    await open(port, 12);
    await expect.poll(() => first.sockets.length + second.sockets.length).toBe(12);
    expect([first.sockets.length, second.sockets.length]).toEqual([6, 6]);
    expect(acceptor?.open()).toEqual(
      new Map([
        [1, 6],
        [2, 6],
      ]),
    );
  });

  it('counts closed connections, so the first worker takes new ones again', async () => {
    const [first, second] = [new FakeWorker(1), new FakeWorker(2)];
    const port = await start(2, first, second);
    await open(port, 3);
    await expect.poll(() => second.sockets.length).toBe(1);
    acceptor?.closed(1);
    await open(port, 1);
    await expect.poll(() => first.sockets.length).toBe(3);
    expect(second.sockets.length).toBe(1);
  });

  it('hands nothing to a worker whose channel closed, nor to one removed', async () => {
    const [first, second, third] = [new FakeWorker(1), new FakeWorker(2), new FakeWorker(3)];
    const port = await start(8, first, second, third);
    first.connected = false;
    acceptor?.remove(2);
    await open(port, 3);
    await expect.poll(() => third.sockets.length).toBe(3);
    expect(first.sockets.length + second.sockets.length).toBe(0);
  });
});
