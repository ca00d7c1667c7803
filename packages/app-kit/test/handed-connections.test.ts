import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../src/lifecycle/serve.js';
import { createLogger } from '../src/logger.js';

/**
 * serve() given its connections by another process's acceptor (a cluster's primary): here a
 * server in this process plays the primary, handing each socket it accepts to serve().
 */
describe('serve() with handed connections', () => {
  let primary: Server | undefined;
  let running: RunningServer | undefined;
  const clients: Socket[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    primary?.close();
  });

  const start = async (
    app: express.Express,
    onShutdown: () => Promise<void> = async () => {},
  ): Promise<number> => {
    let accept: ((socket: Socket) => void) | undefined;
    running = await serve(app, {
      port: 0,
      logger: createLogger('handed-test', 'silent'),
      onShutdown,
      handedConnections: (take) => {
        accept = take;
      },
    });
    primary = createServer((socket) => accept?.(socket));
    primary.listen(0, '127.0.0.1');
    await once(primary, 'listening');
    const address = primary.address();
    return typeof address === 'object' && address ? address.port : 0;
  };

  /** serve() on a port of its own, as a single process is served. */
  const listen = async (app: express.Express, onShutdown: () => Promise<void>): Promise<number> => {
    running = await serve(app, {
      port: 0,
      host: '127.0.0.1',
      logger: createLogger('handed-test', 'silent'),
      onShutdown,
    });
    return running.port;
  };

  /** Sends one keep-alive GET on a new connection; resolves with the answer's head once it came. */
  const get = async (port: number, path: string): Promise<{ socket: Socket; head: string }> => {
    const socket = connect(port, '127.0.0.1');
    clients.push(socket);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`);
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    return { socket, head: chunk.toString('latin1').split('\r\n\r\n')[0] ?? '' };
  };

  it('closes an idle keep-alive connection at shutdown at once, not after its keep-alive timeout', async () => {
    const app = express();
    app.get('/ok', (_req, res) => {
      res.send('ok');
    });
    const port = await start(app);
    const { socket, head } = await get(port, '/ok');
    expect(head).toMatch(/^HTTP\/1.1 200/);
    const closed = once(socket, 'close');
    const stopped = running?.shutdown();
    // The keep-alive timeout is 5 s: within 2 s only closeIdleConnections can have closed it.
    const first = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 2_000)),
    ]);
    expect(first).toBe('closed');
    await stopped;
  });

  it.each(['handed', 'own'] as const)(
    'answers a request in flight at shutdown (connections %s) before onShutdown runs',
    async (connections) => {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered: () => void = () => {};
      const reached = new Promise<void>((resolve) => {
        entered = resolve;
      });
      // What the server did, in order: the answer written, then onShutdown run.
      const answered: string[] = [];
      const app = express();
      app.get('/slow', async (_req, res) => {
        entered();
        await held;
        res.once('finish', () => answered.push('answer'));
        res.send('done');
      });
      const onShutdown = async (): Promise<void> => {
        answered.push('onShutdown');
      };
      const port =
        connections === 'handed' ? await start(app, onShutdown) : await listen(app, onShutdown);
      const socket = connect(port, '127.0.0.1');
      clients.push(socket);
      socket.write('GET /slow HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      const data = once(socket, 'data') as Promise<[Buffer]>;
      await reached;
      const serverClosed = running ? once(running.server, 'close') : undefined;
      const stopped = running?.shutdown();
      // With handed connections the server has no port, and says it closed at once: the answer
      // comes after that, and onShutdown must still wait for it.
      if (connections === 'handed') await serverClosed;
      release();
      const [chunk] = await data;
      expect(chunk.toString('latin1')).toMatch(/^HTTP\/1.1 200/);
      // A client done with its connection closes it; shutdown waits for that, not for the
      // keep-alive timeout.
      socket.destroy();
      await stopped;
      expect(answered).toEqual(['answer', 'onShutdown']);
    },
  );
});
