import { Socket } from 'node:net';
import { isClusterMessage, sendToPrimary } from './messages.js';

/**
 * Takes the connections the primary hands this worker (connection-acceptor.ts): `accept` serves
 * each, and the primary hears when one closes, so it knows how many each worker holds.
 */
export function takeHandedConnections(accept: (socket: Socket) => void): void {
  process.on('message', (message: unknown, handle: unknown) => {
    if (!isClusterMessage(message) || message.type !== 'producer:connection') return;
    if (!(handle instanceof Socket)) return;
    handle.once('close', () => sendToPrimary({ type: 'producer:connection-closed' }));
    accept(handle);
  });
  sendToPrimary({ type: 'producer:accepting' });
}
