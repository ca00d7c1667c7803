import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientCommand, ClientReply } from './sse-client-process.js';

const script = fileURLToPath(new URL('./sse-client-process.ts', import.meta.url));

/** The SSE load generator's process, commanded over IPC. */
export interface FanOutClients {
  /** Opens `count` more streams at `url`, `inFlight` at a time; resolves when all have their head (and replay). */
  open(
    url: string,
    count: number,
    options?: { inFlight?: number; replayEvents?: number; filter?: string },
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
  const child: ChildProcess = fork(script, [], {
    execPath: '/bin/sh',
    execArgv: [
      '-c',
      'ulimit -n "$(ulimit -Hn)" && exec "$0" --conditions=source --import tsx "$@"',
      process.execPath,
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T extends ClientReply['type']>(
    command: ClientCommand,
    answer: T,
  ): Promise<Extract<ClientReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (reply: ClientReply): void => {
        if (reply.type !== answer) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(reply as Extract<ClientReply, { type: T }>);
      };
      const onExit = (code: number | null): void =>
        reject(new Error(`the SSE client process exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(command);
    });
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
