import { createServer, type Server, type Socket } from 'node:net';
import { FILL_CONNECTIONS, fillFirst } from './fill-first.js';
import type { ClusterMessage } from './messages.js';

/** A worker as the acceptor needs it: an id and an IPC channel that carries sockets. */
export interface AcceptingWorker {
  readonly id: number;
  isConnected(): boolean;
  send(message: ClusterMessage, handle: Socket, callback: (error: Error | null) => void): boolean;
}

export interface ConnectionAcceptorOptions {
  readonly port: number;
  readonly host?: string | undefined;
  /** See {@link FILL_CONNECTIONS}. */
  readonly fill?: number;
  /** The port could not be opened (in use, not allowed): the producer cannot serve. */
  readonly onListenError: (error: Error) => void;
  /** A connection could not be accepted (out of file descriptors): the port stays open. */
  readonly onAcceptError: (error: Error) => void;
  /** The port is open (the first worker took connections). */
  readonly onListening: (port: number) => void;
}

/**
 * The primary's side of the producer's port: it accepts each connection itself and hands it to a
 * worker, filling the first before the next gets any (fill-first.ts), where node:cluster's
 * round-robin would spread them evenly at any load. TLS and HTTP stay in the workers.
 */
export class ConnectionAcceptor {
  readonly #server: Server;
  /** The workers taking connections, in the order they began to, with their open connections. */
  readonly #workers = new Map<number, { worker: AcceptingWorker; open: number }>();
  #listening = false;
  /** Whether the port is open: an error after that is one connection's, not the port's. */
  #open = false;

  constructor(private readonly options: ConnectionAcceptorOptions) {
    // Paused, so no byte is read here: the worker reads the whole stream.
    this.#server = createServer({ pauseOnConnect: true }, (socket) => this.#hand(socket));
    this.#server.on('error', (error) =>
      this.#open ? options.onAcceptError(error) : options.onListenError(error),
    );
  }

  /** `worker` takes connections from now on; the first worker to do so opens the port. */
  add(worker: AcceptingWorker): void {
    this.#workers.set(worker.id, { worker, open: 0 });
    if (this.#listening) return;
    this.#listening = true;
    this.#server.listen(this.options.port, this.options.host, () => {
      this.#open = true;
      const address = this.#server.address();
      this.options.onListening(typeof address === 'object' && address ? address.port : 0);
    });
  }

  /** A connection handed to worker `id` has closed. */
  closed(id: number): void {
    const entry = this.#workers.get(id);
    if (entry && entry.open > 0) entry.open -= 1;
  }

  /** Worker `id` takes no more connections (it exited). */
  remove(id: number): void {
    this.#workers.delete(id);
  }

  /** Open connections of each worker taking them, by worker id. */
  open(): Map<number, number> {
    return new Map([...this.#workers].map(([id, entry]) => [id, entry.open]));
  }

  /** Closes the port: new connections are refused; the handed ones stay with their workers. */
  close(): Promise<void> {
    if (!this.#listening) return Promise.resolve();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #hand(socket: Socket): void {
    // A client that resets before the hand-off is nobody's error.
    socket.on('error', () => socket.destroy());
    const loads = [...this.#workers.values()]
      .filter((entry) => entry.worker.isConnected())
      .map((entry) => ({ id: entry.worker.id, open: entry.open }));
    const id = fillFirst(loads, this.options.fill ?? FILL_CONNECTIONS);
    const entry = id === undefined ? undefined : this.#workers.get(id);
    if (entry === undefined) {
      // Every worker is gone (being replaced): the client sees a closed connection and retries.
      socket.destroy();
      return;
    }
    entry.open += 1;
    // Once sent, node closes the primary's copy of the socket.
    entry.worker.send({ type: 'producer:connection' }, socket, (error) => {
      if (error === null) return;
      entry.open -= 1;
      socket.destroy();
    });
  }
}
