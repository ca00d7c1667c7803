import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
/** Kills each demo a test started, should the test end before stopping it. */
const demoKills: Array<() => void> = [];

/** A demo started as a terminal would start it: `npm run -s demo -- <args>` in a process group of its own. */
interface RunningDemo {
  readonly child: ChildProcess;
  readonly producerPort: number;
  readonly consumerPort: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** How it ended: its exit code or signal. */
  readonly exited: Promise<string>;
}

async function startDemo(args: readonly string[]): Promise<RunningDemo> {
  const [producerPort, consumerPort] = [await freePort(), await freePort()];
  const child = spawn('npm', ['run', '-s', 'demo', ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: repo,
    env: {
      ...process.env,
      PRODUCER_PORT: String(producerPort),
      CONSUMER_PORT: String(consumerPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so the test can Ctrl-C it as a terminal would
  });
  demoKills.push(() => {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  afterAllOutputs.push(() => output);
  return { child, producerPort, consumerPort, output: () => output, exited };
}

/** Ctrl-C, as in a terminal: the demo stops cleanly and leaves no process of its group. */
async function stopDemo({ child, output, exited }: RunningDemo): Promise<void> {
  process.kill(-(child.pid ?? 0), 'SIGINT');
  // npm passes Ctrl-C on and ends by the signal, as in a terminal; the demo itself stops cleanly.
  expect(['0', 'SIGINT']).toContain(await exited);
  await expect.poll(output, { timeout: 30_000 }).toContain('[demo] stopped');
  await expect.poll(() => processesOfGroup(child.pid ?? 0), { timeout: 10_000 }).toEqual([]);
}

describe('npm run demo', () => {
  afterAll(() => {
    for (const kill of demoKills) kill();
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
      const demo = await startDemo(args);
      const { producerPort, consumerPort } = demo;
      await expect
        .poll(demo.output, { timeout: 90_000, interval: 200 })
        .toContain('Ctrl-C stops everything.');
      const output = demo.output();
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

      await stopDemo(demo);
      expect(processesWith(dataDir)).toEqual([]);
      // Nothing answers on the apps' ports any more: both processes are gone, not just detached.
      for (const port of [producerPort, consumerPort]) {
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      }
    },
    180_000,
  );

  it('with --auth, runs an OpenID provider: the printed token command gets a token, a POST needs it, the stream gives the message with it, and Ctrl-C stops the provider too', async () => {
    const demo = await startDemo(['--auth']);
    const { producerPort, consumerPort } = demo;
    await expect
      .poll(demo.output, { timeout: 90_000, interval: 200 })
      .toContain('Ctrl-C stops everything.');
    const output = demo.output();
    // Quiet as without --auth: oidc-provider's production notices are not a newcomer's business.
    expect(output).not.toMatch(/Warning|WARNING|NOTICE|"level":(40|50|60)/);
    const issuerUrl = /OpenID provider on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    expect(issuerUrl).not.toBe('');

    // The lines as printed, for a shell: the token command, then the walkthrough's curl lines with it.
    const tokenLine = /^ {2}(TOKEN=\$\(curl .*\))$/m.exec(output)?.[1] ?? '';
    expect(tokenLine).toContain(`${issuerUrl}/token`);
    expect(tokenLine).toContain('-d scope="messages:read messages:write"');
    const postLine = `curl localhost:${producerPort}/messages -H "Authorization: Bearer $TOKEN" -d Hello`;
    const streamLine = `curl localhost:${consumerPort}/messages -H "Authorization: Bearer $TOKEN"`;
    expect(output).toContain(`\n  ${postLine}\n`);
    expect(output).toContain(`\n  ${streamLine}\n`);
    const shell = (script: string) =>
      run('sh', ['-c', `${tokenLine}\n${script}`], { cwd: repo, timeout: 15_000 });
    const token = (await shell('printf %s "$TOKEN"')).stdout;
    expect(token.split('.'), 'a JWT').toHaveLength(3);

    // Without a token: 401 on both apps (the usual lines, printed as such).
    expect(output).toMatch(
      new RegExp(`curl localhost:${producerPort}/messages -d Hello .*# .*401 without a token`),
    );
    const producer = `http://localhost:${producerPort}/messages`;
    const consumer = `http://localhost:${consumerPort}/messages`;
    expect((await fetch(producer, { method: 'POST', body: 'no token' })).status).toBe(401);
    expect((await fetch(consumer)).status).toBe(401);

    // With it: the printed POST line answers 200 with the body, and so does the page's origin
    // (CORS_ORIGINS lists it: with tokens on, `*` would allow none).
    expect((await shell(postLine)).stdout).toBe('Hello');
    const pageOrigin = `http://localhost:${consumerPort}`;
    const fromPage = await fetch(producer, {
      method: 'POST',
      headers: {
        Origin: pageOrigin,
        'Content-Type': 'text/plain',
        Authorization: `Bearer ${token}`,
      },
      body: 'from the page',
    });
    expect(fromPage.status).toBe(200);
    expect(fromPage.headers.get('access-control-allow-origin')).toBe(pageOrigin);
    expect(
      ((await (await fetch(`${pageOrigin}/config.json`)).json()) as { auth?: boolean }).auth,
    ).toBe(true);

    // The printed stream line gives both messages; curl exits 28 when --max-time ends the stream.
    const streamed = await shell(`${streamLine} -sS -N --max-time 3`).catch(
      (error: { stdout?: string; code?: number }) => {
        expect(error.code).toBe(28);
        return { stdout: error.stdout ?? '' };
      },
    );
    expect(streamed.stdout).toMatch(/^data: ?Hello$/m);
    expect(streamed.stdout).toMatch(/^data: ?from the page$/m);

    await stopDemo(demo);
    // The provider went with it.
    await expect(fetch(`${issuerUrl}/.well-known/openid-configuration`)).rejects.toThrow();
    for (const port of [producerPort, consumerPort]) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  }, 150_000);
});
