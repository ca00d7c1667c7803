import { fileURLToPath } from 'node:url';
import { forkClientProcess } from './client-process.js';
import type { ClientCommand, ClientReply } from './sse-client-process.js';

const script = fileURLToPath(new URL('./sse-client-process.ts', import.meta.url));

/** The SSE load generator's process, commanded over IPC. */
export interface FanOutClients {
  /**
   * Opens `count` more streams at `url`, `inFlight` at a time; resolves when all have their head
   * (and replay). With `authorization`, each stream sends it as its `Authorization` header.
   */
  open(
    url: string,
    count: number,
    options?: { inFlight?: number; replayEvents?: number; filter?: string; authorization?: string },
  ): Promise<Extract<ClientReply, { type: 'opened' }>>;
  /** Starts counting events of run `run` (and forgets the previous run's). */
  measure(run: string): void;
  report(): Promise<Extract<ClientReply, { type: 'report' }>>;
  /** Closes every stream. */
  closeAll(): Promise<void>;
  stop(): void;
}

/**
 * Starts the load generator with its open-files soft limit raised to the hard one (one file per
 * stream; the shell's `ulimit -n` is the only way to raise it for a Node process).
 */
export function startFanOutClients(): FanOutClients {
  const { child, ask } = forkClientProcess<ClientCommand, ClientReply>(script, 'SSE client');
  return {
    open: (url, count, options = {}) => {
      const { hostname, port, pathname, search } = new URL(url);
      return ask(
        {
          type: 'open',
          host: hostname,
          port: Number(port),
          path: pathname + search,
          count,
          inFlight: options.inFlight ?? 200,
          filter: options.filter ?? '',
          replayEvents: options.replayEvents ?? 0,
          ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
        },
        'opened',
      );
    },
    measure: (run) => void child.send({ type: 'measure', run } satisfies ClientCommand),
    report: () => ask({ type: 'report' }, 'report'),
    closeAll: async () => void (await ask({ type: 'close' }, 'closed')),
    stop: () => void child.kill('SIGTERM'),
  };
}
