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
  | { readonly type: 'producer:metrics-failed'; readonly id: number; readonly reason: string };

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
