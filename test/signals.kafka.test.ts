import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@demo-kafka/local-kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { keepForSecretScan } from './support/test-logger.js';

const repo = fileURLToPath(new URL('../', import.meta.url));

/** Processes whose command line contains `needle`. */
function processesWith(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ps -eo'));
}

const groups: number[] = [];
afterAll(() => {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Starts `npm run -s <script> -- <args>` in a process group of its own, waits for `readyLine`,
 * sends `signal` to npm's pid alone (as `kill <pid>` or a supervisor does), and resolves once
 * nothing that mentions `needle` (the data directory) runs any more.
 */
async function signalNpmAlone(
  script: string,
  args: string[],
  env: Record<string, string>,
  readyLine: string,
  signal: NodeJS.Signals,
  needle: string,
): Promise<string> {
  const child = spawn('npm', ['run', '-s', script, '--', ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  groups.push(child.pid ?? 0);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await expect.poll(() => output, { timeout: 120_000, interval: 200 }).toContain(readyLine);
  expect(processesWith(needle).some((line) => line.includes('java'))).toBe(true);
  process.kill(child.pid ?? 0, signal);
  await expect.poll(() => processesWith(needle), { timeout: 30_000, interval: 250 }).toEqual([]);
  keepForSecretScan(output);
  return output;
}

describe('whatever signal reaches npm alone, the brokers stop', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'npm run kafka -- --brokers 3, %s to npm: every JVM and the CLI end',
    async (signal) => {
      const dataDir = mkdtempSync(join(tmpdir(), `kafka-signal-${signal}-`));
      try {
        const output = await signalNpmAlone(
          'kafka',
          ['--brokers', '3', '--data-dir', dataDir],
          {},
          'KAFKA_BINDING_DIR=',
          signal,
          dataDir,
        );
        expect(output).toMatch(/node 3: 127\.0\.0\.1:\d+, JVM pid \d+/);
        // Printed once, where a user copies it from; and no warning from the launcher's own client.
        expect(output.match(/KAFKA_BINDING_DIR=/g)).toHaveLength(1);
        expect(output).not.toMatch(/Warning/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    180_000,
  );

  it('npm run demo, SIGTERM to npm: Kafka and both apps end', async () => {
    const [producerPort, consumerPort] = [await freePort(), await freePort()];
    let dataDir = '';
    const child = spawn('npm', ['run', '-s', 'demo'], {
      cwd: repo,
      env: {
        ...process.env,
        PRODUCER_PORT: String(producerPort),
        CONSUMER_PORT: String(consumerPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    groups.push(child.pid ?? 0);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await expect
      .poll(() => output, { timeout: 120_000, interval: 200 })
      .toContain('Ctrl-C stops everything.');
    dataDir = /KAFKA_BINDING_DIR=(\S+)\/binding/.exec(output)?.[1] ?? '';
    expect(dataDir).not.toBe('');
    expect(processesWith(dataDir).some((line) => line.includes('java'))).toBe(true);
    process.kill(child.pid ?? 0, 'SIGTERM');
    await expect.poll(() => processesWith(dataDir), { timeout: 30_000, interval: 250 }).toEqual([]);
    await expect
      .poll(
        () =>
          processesWith('scripts/demo.ts').filter((line) => line.includes(String(producerPort))),
        { timeout: 10_000 },
      )
      .toEqual([]);
    for (const port of [producerPort, consumerPort]) {
      await expect
        .poll(
          () =>
            fetch(`http://127.0.0.1:${port}/healthz`).then(
              () => 'answers',
              () => 'closed',
            ),
          { timeout: 15_000 },
        )
        .toBe('closed');
    }
    keepForSecretScan(output);
  }, 180_000);
});
