import { createServer, type RequestListener, type Server } from 'node:http';
import { applyServerTimeouts, type ServerTimeouts } from '@demo-kafka/app-kit';

/** An app served on a free loopback port, with the same server timeouts as in production. */
export interface Listening {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/** Serves `app` on a free port of 127.0.0.1. */
export async function listen(app: RequestListener, timeouts?: ServerTimeouts): Promise<Listening> {
  const server = createServer(app);
  applyServerTimeouts(server, timeouts);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
