import type { Readiness } from '@demo-kafka/app-kit';

/** What the primary and its workers tell each other over the cluster's IPC channel. */
export type ClusterMessage =
  | { readonly type: 'producer:readiness'; readonly state: Readiness }
  | { readonly type: 'producer:metrics-request'; readonly id: number }
  | {
      readonly type: 'producer:metrics';
      readonly id: number;
      readonly text: string;
      readonly contentType: string;
    }
  | { readonly type: 'producer:metrics-failed'; readonly id: number; readonly reason: string }
  /** A worker takes connections from now on. */
  | { readonly type: 'producer:accepting' }
  /** The primary hands a worker a connection (the socket goes with the message). */
  | { readonly type: 'producer:connection' }
  /** A connection the primary handed this worker has closed. */
  | { readonly type: 'producer:connection-closed' };

/** Sends a worker's message to its primary; nothing once the channel has closed (the primary is gone). */
export function sendToPrimary(message: ClusterMessage): void {
  if (process.connected) process.send?.(message);
}

/** Whether an IPC message is one of ours (prom-client and node:cluster send their own on the same channel). */
export function isClusterMessage(message: unknown): message is ClusterMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    'type' in message &&
    typeof message.type === 'string' &&
    message.type.startsWith('producer:')
  );
}
