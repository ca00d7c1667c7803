import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@demo-kafka/local-kafka';
import { sleep } from './stats.js';

const repo = fileURLToPath(new URL('../', import.meta.url));

/** A server under measurement, in a process of its own. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Node's arguments for `script`: a built `.js` entry runs as production runs it, a `.ts` one from source. */
function entryArgs(script: string): string[] {
  return script.endsWith('.js') ? [script] : ['--conditions=source', '--import', 'tsx', script];
}

/**
 * Starts `script` (built, or from source) on a free port with its open-files soft limit raised to the hard
 * one (as a user must for this many clients: see the README), and waits until `readyPath`
 * answers 200; `cwd` is the checkout it runs from. Extra node flags (`--cpu-prof`, ...) go in `nodeArgs`.
 */
export async function startServer(script: string, env: Record<string, string>, readyPath: string, nodeArgs: readonly string[] = [], cwd = repo): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'sh', process.execPath, ...nodeArgs, ...entryArgs(script)], {
    cwd,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
  };
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    const ok = await fetch(`${url}${readyPath}`).then((r) => r.ok, () => false);
    if (ok && child.pid !== undefined) return { url, pid: child.pid, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`${script} was not ready within 60 s`);
}
