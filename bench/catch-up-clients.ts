import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

/** Starts the process, with the open-files soft limit raised to the hard one as for the fan-out clients. */
export function startCatchUpClients(): CatchUpClients {
  const child: ChildProcess = fork(script, [], {
    execPath: '/bin/sh',
    execArgv: [
      '-c',
      'ulimit -n "$(ulimit -Hn)" && exec "$0" --conditions=source --import tsx "$@"',
      process.execPath,
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T extends CatchUpReply['type']>(
    command: CatchUpCommand,
    answer: T,
  ): Promise<Extract<CatchUpReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (reply: CatchUpReply): void => {
        if (reply.type !== answer) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(reply as Extract<CatchUpReply, { type: T }>);
      };
      const onExit = (code: number | null): void =>
        reject(new Error(`the catch-up client process exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(command);
    });
  return {
    open: (url, partitions, clients) => ask({ type: 'open', url, partitions, clients }, 'opened'),
    wait: (end, timeoutMs) => ask({ type: 'wait', end, timeoutMs }, 'report'),
    closeAll: async () => void (await ask({ type: 'close' }, 'closed')),
    stop: () => void child.kill('SIGTERM'),
  };
}
