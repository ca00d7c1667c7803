import { fileURLToPath } from 'node:url';
import { forkClientProcess } from './client-process.js';
import type { CatchUpCommand, CatchUpReply, Offsets } from './catch-up-client-process.js';

const script = fileURLToPath(new URL('./catch-up-client-process.ts', import.meta.url));

/** The resuming clients' process (catch-up-client-process.ts), commanded over IPC. */
export interface CatchUpClients {
  /** Opens one stream per entry, each with its Last-Event-ID; resolves once every one answered. */
  open(
    url: string,
    partitions: number,
    clients: ReadonlyArray<{ lastEventId: string; target: Offsets }>,
  ): Promise<Extract<CatchUpReply, { type: 'opened' }>>;
  /** Until every client has `end` in every partition (or `timeoutMs`), then each one's account. */
  wait(end: Offsets, timeoutMs: number): Promise<Extract<CatchUpReply, { type: 'report' }>>;
  /** Closes every stream (the clients are forgotten). */
  closeAll(): Promise<void>;
  stop(): void;
}

/** Starts the process (see forkClientProcess). */
export function startCatchUpClients(): CatchUpClients {
  const { child, ask } = forkClientProcess<CatchUpCommand, CatchUpReply>(script, 'catch-up client');
  return {
    open: (url, partitions, clients) => ask({ type: 'open', url, partitions, clients }, 'opened'),
    wait: (end, timeoutMs) => ask({ type: 'wait', end, timeoutMs }, 'report'),
    closeAll: async () => void (await ask({ type: 'close' }, 'closed')),
    stop: () => void child.kill('SIGTERM'),
  };
}
