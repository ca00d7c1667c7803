import { connect as connectTcp, isIP } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** How long a connection is idle before TCP keep-alive probes start (as kafkajs' own factory). */
const KEEP_ALIVE_DELAY_MS = 60_000;

/**
 * kafkajs' own socket factory (TLS or TCP, keep-alive), with one difference: a closed socket
 * ignores `unref()`. kafkajs' disconnect() unrefs the socket, even one already closed, and it
 * disconnects a broker it cannot reach again and again; Node defers an unref without a handle to
 * a 'connect' that never comes, one listener a call, and prints MaxListenersExceededWarning
 * after ten.
 */
export const kafkaSocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? connectTls({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : connectTcp({ host, port }, onConnect);
  socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
  const unref = socket.unref.bind(socket);
  socket.unref = () => (socket.destroyed ? socket : unref());
  return socket;
};
