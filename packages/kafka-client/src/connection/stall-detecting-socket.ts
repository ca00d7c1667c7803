import type { ISocketFactory } from 'kafkajs';
import { kafkaSocketFactory } from './kafka-socket.js';

/** The socket error of a connection dropped because the broker stopped answering. */
export const STALLED_CODE = 'ESTALLED';

/**
 * kafkajs' own socket factory (kafka-socket.ts) plus one rule: a connection that was sent a request and has
 * received nothing for `stallMs` is closed. A frozen broker (SIGSTOP, a stalled disk, a
 * black-holed network) keeps its TCP connections open, and kafkajs would keep choosing that
 * connection for metadata requests and retries, each waiting out its request timeout; closed,
 * it surfaces as a connection error, after which kafkajs refreshes metadata from another broker.
 * A connection whose handshake does not complete within `stallMs` is dropped the same way
 * (set kafkajs' connectionTimeout longer, so this error, which says "frozen", comes first).
 * Only for clients whose every request is answered within `stallMs` (no long polls past it).
 */
export function stallDetectingSocketFactory(stallMs: number): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket = kafkaSocketFactory({ host, port, ssl, onConnect });
    const stalled = (what: string): void => {
      socket.destroy(
        Object.assign(new Error(`no ${what} from ${host}:${port} within ${stallMs} ms`), {
          code: STALLED_CODE,
        }),
      );
    };
    // A frozen broker's kernel still accepts the TCP connection; the TLS handshake then hangs.
    const handshake = setTimeout(() => stalled('handshake'), stallMs);
    socket.once(ssl ? 'secureConnect' : 'connect', () => clearTimeout(handshake));
    let silence: NodeJS.Timeout | undefined;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    // Wrapped rather than subclassed: kafkajs calls write() on whatever socket the factory returns.
    socket.write = ((...args: unknown[]) => {
      silence ??= setTimeout(() => stalled('answer'), stallMs);
      return write(...args);
    }) as typeof socket.write;
    socket.on('data', () => {
      clearTimeout(silence);
      silence = undefined;
    });
    socket.once('close', () => {
      clearTimeout(handshake);
      clearTimeout(silence);
    });
    return socket;
  };
}
