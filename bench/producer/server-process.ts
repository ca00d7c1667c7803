import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@demo-kafka/local-kafka';
import { sourceProcessArgs } from '../../scripts/source-process.js';
import { sleep } from '../stats.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** A server the bench started in a process of its own. */
export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `node <args>` (with the given Node binary) on a free port and waits until `readyPath`
 * answers 200 (without one: until any HTTP answer comes). A `.ts` entry point runs from source through tsx; a `.js` one as it is.
 */
export async function startServer(options: {
  name: string;
  node: string;
  entryPoint: string;
  env?: Record<string, string>;
  readyPath?: string;
  nodeOptions?: readonly string[];
}): Promise<ServerProcess> {
  const port = await freePort();
  const args = options.entryPoint.endsWith('.ts') ? sourceProcessArgs(options.entryPoint) : [options.entryPoint];
  const child: ChildProcess = spawn(options.node, [...(options.nodeOptions ?? []), ...args], {
    cwd: repo,
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited with code ${child.exitCode} before it was ready`);
    if (await fetch(`${url}${options.readyPath ?? '/'}`).then((r) => r.ok || options.readyPath === undefined, () => false)) return { name: options.name, url, pid: child.pid ?? 0, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`${options.name} was not ready within 60 s`);
}

/** The built producer, or another build of it named by BENCH_PRODUCER (to compare two versions). */
export function producerEntryPoint(): string {
  return process.env.BENCH_PRODUCER ?? 'apps/producer/dist/main.js';
}
