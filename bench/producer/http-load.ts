import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sourceProcessArgs } from '../../scripts/source-process.js';

const run = promisify(execFile);

/** What one load run saw, as the load generator (in its own process) measured it. */
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers other than 2xx, plus socket errors and timeouts. */
  readonly failed: number;
  /** CPU seconds (user + system) the load generator itself used. */
  readonly generatorCpuSeconds: number;
}

/** The body every load run posts: 24 bytes of text/plain, as the figures. */
export const BENCH_BODY = 'Hello from the benchmark';

/** Request headers beyond Content-Type, name -> value (plain ASCII: written into a Lua string as is). */
export type LoadHeaders = Readonly<Record<string, string>>;

const scripts = new Map<string, string>();
function wrkScript(headers: LoadHeaders): string {
  const id = JSON.stringify(headers);
  let path = scripts.get(id);
  if (path === undefined) {
    path = join(mkdtempSync(join(tmpdir(), 'bench-wrk-')), 'post.lua');
    const extra = Object.entries(headers)
      .map(([name, value]) => `wrk.headers["${name}"] = "${value}"\n`)
      .join('');
    writeFileSync(
      path,
      `wrk.method = "POST"\nwrk.body = "${BENCH_BODY}"\nwrk.headers["Content-Type"] = "text/plain"\n${extra}`,
    );
    scripts.set(id, path);
  }
  return path;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function durationMs(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  return match?.[1] && match[2] ? Number(match[1]) * (UNIT_MS[match[2]] ?? Number.NaN) : Number.NaN;
}

/** Reads wrk's `--latency` report. */
export function parseWrk(output: string): Omit<LoadResult, 'generatorCpuSeconds'> {
  const done = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(output);
  const requests = Number(done?.[1] ?? Number.NaN);
  const seconds = durationMs(`${done?.[2]}${done?.[3]}`) / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50Ms: durationMs(/^\s+50%\s+(\S+)/m.exec(output)?.[1]),
    p99Ms: durationMs(/^\s+99%\s+(\S+)/m.exec(output)?.[1]),
    failed: non2xx + socketErrors,
  };
}

interface AutocannonJson {
  requests: { total: number };
  duration: number;
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * POSTs {@link BENCH_BODY} to `url` from `connections` keep-alive connections for `seconds`.
 * The load comes from wrk (Debian's package) in a process of its own, or from autocannon's CLI
 * in a child process where wrk is missing; never from the bench's own event loop.
 */
export async function httpLoad(
  url: string,
  connections: number,
  seconds: number,
  headers: LoadHeaders = {},
): Promise<LoadResult> {
  // A fixed rate (BENCH_RATE POSTs/s over all connections) compares CPU per request at the same
  // load, which the broker's latency does not move as much as it moves a saturating load's rate.
  const rate = fixedRate();
  // A header value with `[<id>]` gets a new id in each request (autocannon's -I; wrk has none).
  const ids = Object.values(headers).some((value) => value.includes(UNIQUE_ID));
  if (rate === undefined && !ids && (await hasWrk())) {
    const { stdout, cpuSeconds } = await runTimed('wrk', [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '--latency',
      '-s',
      wrkScript(headers),
      url,
    ]);
    return { ...parseWrk(stdout), generatorCpuSeconds: cpuSeconds };
  }
  const { stdout, cpuSeconds } = ids
    ? await runTimed(process.execPath, [
        ...sourceProcessArgs(fileURLToPath(new URL('./autocannon-process.ts', import.meta.url))),
        JSON.stringify({
          url,
          method: 'POST',
          connections,
          duration: seconds,
          ...(rate === undefined ? {} : { overallRate: rate }),
          headers: { 'Content-Type': 'text/plain', ...headers },
          body: BENCH_BODY,
        }),
      ])
    : await runTimed(process.execPath, [
        autocannonBin(),
        '-j',
        '-m',
        'POST',
        '-c',
        String(connections),
        '-d',
        String(seconds),
        ...(rate === undefined ? [] : ['-R', String(rate)]),
        '-H',
        'Content-Type=text/plain',
        ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]),
        '-b',
        BENCH_BODY,
        url,
      ]);
  const result = JSON.parse(stdout) as AutocannonJson;
  return {
    generatorCpuSeconds: cpuSeconds,
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/** Runs `command` to its end under bash, whose `times` then reports the CPU its child used. */
async function runTimed(
  command: string,
  args: readonly string[],
): Promise<{ stdout: string; cpuSeconds: number }> {
  const { stdout, stderr } = await run(
    'bash',
    ['-c', '"$@"; status=$?; times >&2; exit $status', 'bash', command, ...args],
    { maxBuffer: 16 << 20 },
  );
  // `times` prints the shell's own user/system times, then its children's: "0m0.219s 0m1.108s".
  const children = stderr.trim().split('\n').at(-1) ?? '';
  const cpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, m) => sum + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
  return { stdout, cpuSeconds };
}

/** In a header value given to {@link httpLoad}: replaced by a new id in each request. */
export const UNIQUE_ID = '[<id>]';

/**
 * Runs `fn` with BENCH_RATE set to `rate`: {@link httpLoad} reads it for each load, and then has
 * autocannon send that many requests a second (`-R`), as for the producer section.
 */
export async function atFixedRate<T>(rate: number, fn: () => Promise<T>): Promise<T> {
  const before = process.env.BENCH_RATE;
  process.env.BENCH_RATE = String(rate);
  try {
    return await fn();
  } finally {
    if (before === undefined) Reflect.deleteProperty(process.env, 'BENCH_RATE');
    else process.env.BENCH_RATE = before;
  }
}

/** `BENCH_RATE`: POSTs per second over all connections, for a fixed-rate load (autocannon's `-R`); undefined for as fast as it goes. */
export function fixedRate(): number | undefined {
  const rate = Number(process.env.BENCH_RATE ?? '');
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

/** Which load generator {@link httpLoad} uses. */
export async function loadGenerator(): Promise<string> {
  const rate = fixedRate();
  if (rate !== undefined) return `autocannon (child process) at a fixed ${rate} POSTs/s`;
  if (!(await hasWrk())) return 'autocannon (child process)';
  // `wrk -v` prints its version and exits 1.
  const { stdout } = await run('wrk', ['-v']).catch((error: { stdout?: string }) => ({
    stdout: error.stdout ?? '',
  }));
  return stdout.split(' Copyright')[0]?.trim() || 'wrk';
}

let wrk: Promise<boolean> | undefined;
function hasWrk(): Promise<boolean> {
  wrk ??= run('sh', ['-c', 'command -v wrk']).then(
    () => process.env.BENCH_LOAD !== 'autocannon',
    () => false,
  );
  return wrk;
}

function autocannonBin(): string {
  return new URL('../../node_modules/autocannon/autocannon.js', import.meta.url).pathname;
}
