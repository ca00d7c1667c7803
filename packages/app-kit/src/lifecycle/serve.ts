import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { watchMountedDirectory } from '@demo-kafka/config';
import type { Express } from 'express';
import { answerClientErrors } from '../http/client-errors.js';
import type { Logger } from '../logger.js';
import { readTlsCredentials, type TlsFiles } from './tls-settings.js';

export interface ServeOptions {
  readonly port: number;
  readonly host?: string;
  readonly logger: Logger;
  /** Runs first on SIGTERM/SIGINT, before the server stops accepting (end long-lived streams here). */
  readonly beforeClose?: () => void;
  /** Runs after the server stopped accepting: finish in-flight work and disconnect from Kafka. */
  readonly onShutdown: () => Promise<void>;
  /** Exit anyway (with code 1) if shutdown takes longer. */
  readonly shutdownTimeoutMs?: number;
  /** See {@link ServerTimeouts}. */
  readonly timeouts?: ServerTimeouts;
  /** Serve HTTPS with these files (reloaded when they change); absent: plain HTTP. */
  readonly tls?: TlsFiles | undefined;
  /** Wraps the app as the server's request listener (tracing's server spans); absent: the app itself. */
  readonly wrapRequests?:
    | ((listener: RequestListener, scheme: 'http' | 'https') => RequestListener)
    | undefined;
  /**
   * Serve the connections another process accepted and hands over (a cluster's primary), given
   * to `accept`, instead of listening on `port`.
   */
  readonly handedConnections?: ((accept: (socket: Socket) => void) => void) | undefined;
}

/** Bounds on how long a request may take to arrive. */
export interface ServerTimeouts {
  /**
   * The whole request, body included (30 s by default); 0 for an app that takes bodies streamed
   * for as long as they keep coming, which then needs `idleMs`.
   */
  readonly requestMs?: number;
  /** A connection on which nothing moves either way for this long is closed (default: none). */
  readonly idleMs?: number;
}

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** Stops as a signal would, without exiting the process. */
  shutdown(): Promise<void>;
}

/**
 * An HTTPS server whose certificate is read again when its files change (a Secret that
 * cert-manager renews): new connections get the new one, open ones keep theirs. A pair that
 * does not load leaves the old one in use, with a warning.
 */
function httpsServer(app: RequestListener, files: TlsFiles, logger: Logger): Server {
  const first = readTlsCredentials(files);
  logger.info(first.described, 'serving HTTPS');
  const server = createHttpsServer({ cert: first.cert, key: first.key }, app);
  const reload = (): void => {
    try {
      const next = readTlsCredentials(files);
      server.setSecureContext({ cert: next.cert, key: next.key });
      logger.info(next.described, 'HTTPS certificate reloaded');
    } catch (error) {
      logger.warn({ err: error }, 'HTTPS certificate not reloaded; the old one stays in use');
    }
  };
  const dirs = new Set([dirname(files.certFile), dirname(files.keyFile)]);
  const watches = [...dirs].map((dir) =>
    watchMountedDirectory(dir, {
      onChange: reload,
      onError: (error) => logger.warn({ err: error }, 'cannot watch the HTTPS certificate'),
    }),
  );
  server.once('close', () => {
    for (const watch of watches) watch.close();
  });
  return server;
}

/** Bounds on slow clients, so one cannot hold a socket or a worker forever. */
export function applyServerTimeouts(server: Server, timeouts: ServerTimeouts = {}): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = timeouts.requestMs ?? 30_000;
  server.keepAliveTimeout = 5_000;
  if (timeouts.idleMs !== undefined) server.timeout = timeouts.idleMs;
}

/**
 * Listens, and on SIGTERM or SIGINT stops accepting, lets in-flight requests finish, runs
 * `onShutdown` and exits 0 (1 if that takes longer than the bound).
 */
export async function serve(app: Express, options: ServeOptions): Promise<RunningServer> {
  const scheme = options.tls ? 'https' : 'http';
  const listener = options.wrapRequests?.(app, scheme) ?? app;
  const server = options.tls
    ? httpsServer(listener, options.tls, options.logger)
    : createServer(listener);
  applyServerTimeouts(server, options.timeouts);
  answerClientErrors(server, options.logger);
  let shuttingDown = false;
  server.on('request', (_req, res) => {
    // Clients holding a keep-alive connection open a new one elsewhere instead of waiting.
    // Runs after the app, which may already have answered (a synchronous route).
    if (shuttingDown && !res.headersSent) res.setHeader('Connection', 'close');
  });
  // Handed connections are counted here: the server counts only those it accepted itself, and
  // would close at once on shutdown, before their requests were answered.
  const handed = new Set<Socket>();
  let port = options.port;
  if (options.handedConnections) {
    // node:http starts tracking connections (for the request and headers timeouts and
    // closeIdleConnections) on its own 'listening' event: without a port of its own, the server
    // is listening from the first handed connection on.
    server.emit('listening');
    options.handedConnections((socket) => {
      if (shuttingDown) {
        socket.destroy();
        return;
      }
      handed.add(socket);
      socket.once('close', () => handed.delete(socket));
      // What node:http sets on the sockets it accepts itself (its noDelay option, on by default):
      // a response goes out at once, not after the client's delayed ACK.
      socket.setNoDelay(true);
      server.emit('connection', socket);
    });
    options.logger.info({ port, scheme }, 'taking the connections the primary accepts');
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : options.port;
    options.logger.info({ port, scheme }, 'listening');
  }

  let done: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    done ??= (async () => {
      shuttingDown = true;
      options.beforeClose?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await Promise.all(
        [...handed].map((socket) => new Promise((resolve) => socket.once('close', resolve))),
      );
      await options.onShutdown();
    })();
    return done;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    options.logger.info({ signal }, 'shutting down');
    const timeoutMs = options.shutdownTimeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      options.logger.error({ timeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    shutdown().then(
      () => {
        options.logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return { server, port, shutdown };
}
