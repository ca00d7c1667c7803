import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@demo-kafka/local-kafka';
import { keepForSecretScan } from './test-logger.js';
import { sourceProcessArgs } from '../../scripts/source-process.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** An app process started from source, as `npm run dev` would. */
export interface SpawnedApp {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGKILL if still running (for afterEach). */
  kill(): void;
}

/**
 * Starts `apps/<name>/src/main.ts` with `env` on a free port and waits until it logs that it
 * listens (or exits, for start-up failure tests: then `waitForListening` is false).
 */
export async function spawnApp(
  name: 'producer' | 'consumer',
  env: Record<string, string>,
  waitForListening = true,
): Promise<SpawnedApp> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, sourceProcessArgs(`apps/${name}/src/main.ts`), {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      keepForSecretScan(output);
      resolve(code);
    }),
  );
  if (waitForListening) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} did not listen within 30 s:\n${output}`)),
        30_000,
      );
      const check = (): void => {
        if (output.includes('"msg":"listening"')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before listening:\n${output}`));
      });
    });
  }
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
