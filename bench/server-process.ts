import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@demo-kafka/local-kafka';
import { sourceProcessArgs } from '../scripts/source-process.js';
import { sleep } from './stats.js';

const repo = fileURLToPath(new URL('../', import.meta.url));

/** A server under measurement, in a process of its own. */
export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** What the errors call it; the entry point by default. */
  readonly name?: string;
  /** The Node binary; this process's by default. */
  readonly node?: string;
  /** A built `.js` entry runs as production runs it, a `.ts` one from source. */
  readonly entryPoint: string;
  readonly env?: Record<string, string>;
  /** Ready when this path answers 200; without one, at the first HTTP answer. */
  readonly readyPath?: string;
  /** A command other than Node, given the port it must listen on (the Spring original's `java -jar`). */
  readonly command?: (port: number) => readonly string[];
  /** Node flags before the entry point (`--cpu-prof`, ...). */
  readonly nodeOptions?: readonly string[];
  /** The checkout it runs from (another one, to compare versions); this repository by default. */
  readonly cwd?: string;
  /**
   * Raise the open-files soft limit to the hard one first, as a user must for many SSE clients
   * (see docs/performance.md).
   */
  readonly raiseOpenFilesLimit?: boolean;
}

/** Starts a server on a free port in a process of its own and waits until it is ready. */
export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const name = options.name ?? options.entryPoint;
  const port = await freePort();
  const node = options.node ?? process.execPath;
  const args = [
    ...(options.nodeOptions ?? []),
    ...(options.entryPoint.endsWith('.ts')
      ? sourceProcessArgs(options.entryPoint)
      : [options.entryPoint]),
  ];
  const [command = node, ...commandArgs] = options.command?.(port) ?? [node, ...args];
  const [program, programArgs] = options.raiseOpenFilesLimit
    ? ['/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'sh', command, ...commandArgs]]
    : [command, commandArgs];
  const child: ChildProcess = spawn(program, programArgs, {
    cwd: options.cwd ?? repo,
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    // A server whose shutdown hangs (a Kafka client waiting on a gone broker) must not outlive the bench.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const { readyPath } = options;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with code ${child.exitCode} before it was ready`);
    const ready = await fetch(`${url}${readyPath ?? '/'}`).then(
      (r) => r.ok || readyPath === undefined,
      () => false,
    );
    if (ready && child.pid !== undefined) return { name, url, pid: child.pid, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`${name} was not ready within 60 s`);
}

/** The built producer, or another build of it named by BENCH_PRODUCER (to compare two versions). */
export function producerEntryPoint(): string {
  return process.env.BENCH_PRODUCER ?? 'apps/producer/dist/main.js';
}
