import { fork, type ChildProcess } from 'node:child_process';

/** A load generator's process, and a way to ask it something and wait for its answer. */
export interface ClientProcess<Command, Reply extends { readonly type: string }> {
  readonly child: ChildProcess;
  ask<T extends Reply['type']>(command: Command, answer: T): Promise<Extract<Reply, { type: T }>>;
}

/**
 * Forks `script` (run with tsx) as a load generator with its open-files soft limit raised to the
 * hard one (one file per stream; the shell's `ulimit -n` is the only way to raise it for a Node
 * process), commanded over IPC. `what` names it when it exits early.
 */
export function forkClientProcess<Command, Reply extends { readonly type: string }>(
  script: string,
  what: string,
): ClientProcess<Command, Reply> {
  const child: ChildProcess = fork(script, [], {
    execPath: '/bin/sh',
    execArgv: [
      '-c',
      'ulimit -n "$(ulimit -Hn)" && exec "$0" --conditions=source --import tsx "$@"',
      process.execPath,
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T extends Reply['type']>(
    command: Command,
    answer: T,
  ): Promise<Extract<Reply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (reply: Reply): void => {
        if (reply.type !== answer) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(reply as Extract<Reply, { type: T }>);
      };
      const onExit = (code: number | null): void =>
        reject(new Error(`the ${what} process exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(command as object);
    });
  return { child, ask };
}
