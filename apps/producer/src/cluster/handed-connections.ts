import { Socket } from 'node:net';
import { isClusterMessage, type ClusterMessage } from './messages.js';

/**
 * Takes the connections the primary hands this worker (connection-acceptor.ts): `accept` serves
 * each, and the primary hears when one closes, so it knows how many each worker holds.
 */
export function takeHandedConnections(accept: (socket: Socket) => void): void {
  const send = (message: ClusterMessage): void => {
    if (process.connected) process.send?.(message);
  };
  process.on('message', (message: unknown, handle: unknown) => {
    if (!isClusterMessage(message) || message.type !== 'producer:connection') return;
    if (!(handle instanceof Socket)) return;
    handle.once('close', () => send({ type: 'producer:connection-closed' }));
    accept(handle);
  });
  send({ type: 'producer:accepting' });
}
