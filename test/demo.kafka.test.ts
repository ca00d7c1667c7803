import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { freePort } from '@demo-kafka/local-kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { curlExchange } from './support/curl-exchange.js';
import { OpenApiContract } from './support/openapi-contract.js';
import { keepForSecretScan } from './support/test-logger.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../', import.meta.url));

/** Processes whose command line contains `needle`. */
function processesWith(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ps -eo'));
}

/** Processes of the process group `group`: what one test started, not a demo someone runs beside it. */
function processesOfGroup(group: number): string[] {
  return execFileSync('ps', ['-eo', 'pgid=,pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim().split(/\s+/)[0] === String(group));
}

const afterAllOutputs: Array<() => string> = [];

describe('npm run demo', () => {
  const demo = { kill: () => {} };
  afterAll(() => {
    demo.kill();
    afterAllOutputs.forEach((output) => {
      keepForSecretScan(output());
    });
  });

  it.each([
    ['the walkthrough Secret', []],
    [
      'a Strimzi Access Operator Secret with mutual TLS',
      ['--binding-format', 'strimzi-access', '--security', 'mtls'],
    ],
  ])(
    'starts Kafka and both apps bound by %s, cleanly, moves the walkthrough message with curl and from the page, and Ctrl-C leaves no process',
    async (_shape, args) => {
      const [producerPort, consumerPort] = [await freePort(), await freePort()];
      const child = spawn(
        'npm',
        ['run', '-s', 'demo', ...(args.length > 0 ? ['--', ...args] : [])],
        {
          cwd: repo,
          env: {
            ...process.env,
            PRODUCER_PORT: String(producerPort),
            CONSUMER_PORT: String(consumerPort),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true, // its own process group, so the test can Ctrl-C it as a terminal would
        },
      );
      demo.kill = () => {
        try {
          process.kill(-(child.pid ?? 0), 'SIGKILL');
        } catch {
          // already gone
        }
      };
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<string>((resolve) =>
        child.once('exit', (code, signal) => resolve(signal ?? String(code))),
      );
      afterAllOutputs.push(() => output);
      await expect
        .poll(() => output, { timeout: 90_000, interval: 200 })
        .toContain('Ctrl-C stops everything.');
      expect(output).toContain(`curl localhost:${producerPort}/messages -d Hello`);
      expect(output).toContain(`curl localhost:${consumerPort}/messages`);
      const printed = /KAFKA_BINDING_DIR=(\S+)\/binding/.exec(output);
      expect(printed, 'the demo prints its binding directory').not.toBeNull();
      const dataDir = printed?.[1] ?? '';

      // What a newcomer reads: no warning, no error-level line, the binding directory once, and
      // the one Kafka address the banner gives among those the launcher said it listens on.
      expect(output).not.toMatch(/Warning|"level":(40|50|60)/);
      expect(output.match(/KAFKA_BINDING_DIR=/g)).toHaveLength(1);
      const banner = /^Kafka (\S+) \((\S+),/m.exec(output);
      const listening = /Starting Kafka: SASL_SSL on (\S+), mutual TLS on (\S+) /.exec(output);
      expect(banner?.[1]).toBe(banner?.[2] === 'mtls' ? listening?.[2] : listening?.[1]);

      // The page posts where the demo's producer is, also when PRODUCER_PORT moved it.
      const pageOrigin = `http://localhost:${consumerPort}`;
      const { producerUrl } = (await (await fetch(`${pageOrigin}/config.json`)).json()) as {
        producerUrl: string;
      };
      expect(producerUrl).toBe(`http://localhost:${producerPort}`);
      const fromPage = await fetch(`${producerUrl}/messages`, {
        method: 'POST',
        headers: { Origin: pageOrigin, 'Content-Type': 'text/plain' },
        body: 'from the page',
      });
      expect(fromPage.status).toBe(200);

      // The walkthrough, with curl's own defaults (form content type, Accept */*); each answer is
      // also held to the app's own OpenAPI document (-v shows the request and the answer's head).
      const contractOf = async (port: number): Promise<OpenApiContract> =>
        new OpenApiContract(
          (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as Record<
            string,
            unknown
          >,
        );
      const posted = await run('curl', [
        '-sS',
        '-v',
        `localhost:${producerPort}/messages`,
        '-d',
        'Hello',
      ]);
      expect(posted.stdout).toBe('Hello');
      (await contractOf(producerPort)).assert(curlExchange(posted.stderr, posted.stdout));
      const streamed = await run('curl', [
        '-sS',
        '-v',
        '-N',
        '--max-time',
        '2',
        `localhost:${consumerPort}/messages`,
      ]).catch((error: { stdout?: string; stderr?: string; code?: number }) => {
        // curl exits 28 when --max-time ends the (endless) stream: that is the expected way out.
        expect(error.code).toBe(28);
        return { stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
      });
      (await contractOf(consumerPort)).assert(curlExchange(streamed.stderr, streamed.stdout));
      expect(streamed.stdout).toMatch(/^data: ?Hello$/m);

      process.kill(-(child.pid ?? 0), 'SIGINT');
      // npm passes Ctrl-C on and ends by the signal, as in a terminal; the demo itself stops cleanly.
      expect(['0', 'SIGINT']).toContain(await exited);
      await expect.poll(() => output, { timeout: 30_000 }).toContain('[demo] stopped');
      await expect.poll(() => processesOfGroup(child.pid ?? 0), { timeout: 10_000 }).toEqual([]);
      expect(processesWith(dataDir)).toEqual([]);
      // Nothing answers on the apps' ports any more: both processes are gone, not just detached.
      for (const port of [producerPort, consumerPort]) {
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      }
    },
    180_000,
  );
});
