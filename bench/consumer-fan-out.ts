/**
 * The consumer's fan-out, measured the way the load arrives: SSE clients in a process of their
 * own (sse-client-process.ts), 10 messages/s posted through the producer, and beside it, in the
 * same run, two baselines in processes of their own: a bare Node SSE server and the floor of our
 * stack (express 5 + one better-sse session per client). Each server gets a fresh client process.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startFanOutClients, type FanOutClients } from './fan-out-clients.js';
import { cpuSeconds, rssBytes } from './process-stats.js';
import { startServer, type ServerProcess } from './server-process.js';
import { median, ratio, sleep } from './stats.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const built = new Set<string>();

/** Builds the apps of the checkout at `dir` (once per run): the bench measures what production runs. */
function buildOnce(dir: string): void {
  if (built.has(dir)) return;
  execFileSync('npm', ['run', '-s', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  built.add(dir);
}

/** The clients per step; 19,000 is what one process can hold under a 20,000 open-files limit. */
export const FAN_OUT_STEPS = [1000, 5000, 10_000, 15_000, 19_000] as const;
const RATE = 10;
const P99_GOAL_MS = 1000;

export interface FanOutStepResult {
  readonly clients: number;
  /** Of them, streams filtered by key. */
  readonly filtered: number;
  readonly p50: number;
  readonly p99: number;
  /** Deliveries seen / expected. */
  readonly delivered: number;
  readonly rssBytes: number;
  readonly rssPerClientBytes: number;
  /** Server CPU while messages flowed, as a share of one core. */
  readonly cpu: number;
  /** The load generator's CPU meanwhile, as a share of one core (near 100%: it is the limit, not the server). */
  readonly clientCpu: number;
  /** Server CPU seconds per 1,000 deliveries. */
  readonly cpuPer1000Deliveries: number;
  /** Seconds to connect all `clients` (the sum of the ramp's increments). */
  readonly connectSeconds: number;
  readonly failedConnects: number;
}

export interface LadderResult {
  readonly steps: readonly FanOutStepResult[];
  /** The largest step held with every message delivered and p99 under 1 s. */
  readonly maxClients: number;
  readonly baseRssBytes: number;
}

export interface ConsumerFanOutResult {
  readonly consumer: LadderResult;
  readonly stackFloor: LadderResult;
  readonly bareSse: LadderResult;
  /** The consumer with a quarter of the clients filtered by key (16 keys). */
  readonly mixed: LadderResult;
  /** 2,000 clients each replayed 1,000 records: connects per second, counted when the replay arrived. */
  readonly replayConnect: {
    readonly clients: number;
    readonly seconds: number;
    readonly perSecond: number;
    readonly failed: number;
  };
  readonly openFilesLimit: string;
  /** The same consumer ladder and replay connect for an older checkout, when one was given. */
  readonly before?: {
    readonly consumer: LadderResult;
    readonly replayConnect: ConsumerFanOutResult['replayConnect'];
  };
  /**
   * With an older checkout and more than one round: the consumer ladder of each build, run again in
   * alternation (this, before, before, this, ...), the first round being `consumer` and `before`.
   */
  readonly rounds?: {
    readonly now: readonly LadderResult[];
    readonly before: readonly LadderResult[];
  };
}

interface Target {
  readonly server: ServerProcess;
  readonly streamUrl: string;
  post(body: string, key: string | undefined): Promise<void>;
}

const KEYS = Array.from({ length: 16 }, (_, i) => `order-${i}`);

async function postQuietly(url: string, body: string): Promise<void> {
  await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } })
    .then((r) => r.arrayBuffer())
    .catch(() => undefined);
}

/** One step: `clients.open` was already done; posts at RATE for `seconds` and reads the figures. */
async function measureStep(
  target: Target,
  clients: FanOutClients,
  shape: { unfiltered: number; perKey: number },
  seconds: number,
  connect: { seconds: number; failed: number },
  baseRss: number,
  keyed: boolean,
): Promise<FanOutStepResult> {
  await sleep(1000);
  const run = randomUUID().slice(0, 8);
  clients.measure(run);
  const sentPerKey = new Map<string, number>();
  const cpuBefore = cpuSeconds(target.server.pid);
  const clientCpuBefore = (await clients.report()).cpuSeconds;
  const started = performance.now();
  const posts: Array<Promise<void>> = [];
  for (let i = 0; i < seconds * RATE; i++) {
    const key = keyed ? KEYS[i % KEYS.length] : undefined;
    sentPerKey.set(key ?? '', (sentPerKey.get(key ?? '') ?? 0) + 1);
    posts.push(
      target.post(`${run}|${key ?? ''}|${performance.timeOrigin + performance.now()}|${i}`, key),
    );
    // On schedule, not after each post: a slow answer must not slow the rate down.
    const due = started + ((i + 1) * 1000) / RATE;
    await sleep(Math.max(0, due - performance.now()));
  }
  await Promise.all(posts);
  await sleep(1500);
  const cpu = cpuSeconds(target.server.pid) - cpuBefore;
  const wall = (performance.now() - started) / 1000;
  const report = await clients.report();
  const deliveries = report.samples + Object.values(report.received).reduce((a, b) => a + b, 0);
  const posted = [...sentPerKey.values()].reduce((a, b) => a + b, 0);
  const filtered = shape.perKey * KEYS.length;
  const expected =
    posted * shape.unfiltered +
    KEYS.reduce((sum, key) => sum + (sentPerKey.get(key) ?? 0) * shape.perKey, 0);
  const rss = rssBytes(target.server.pid);
  const total = shape.unfiltered + filtered;
  return {
    clients: total,
    filtered,
    p50: report.p50,
    p99: report.p99,
    delivered: expected === 0 ? 0 : deliveries / expected,
    rssBytes: rss,
    rssPerClientBytes: (rss - baseRss) / total,
    cpu: cpu / wall,
    clientCpu: (report.cpuSeconds - clientCpuBefore) / wall,
    cpuPer1000Deliveries: deliveries === 0 ? Number.NaN : (cpu / deliveries) * 1000,
    connectSeconds: connect.seconds,
    failedConnects: connect.failed,
  };
}

const held = (step: FanOutStepResult): boolean =>
  step.p99 < P99_GOAL_MS && step.delivered >= 0.999 && step.failedConnects === 0;

/** Ramps through `steps`; with `filteredShare`, that share of each step's clients is spread over 16 keys. */
async function ladder(
  target: Target,
  steps: readonly number[],
  seconds: number,
  log: (line: string) => void,
  filteredShare = 0,
  snapshotAt: readonly number[] = [],
): Promise<LadderResult> {
  const clients = startFanOutClients();
  const baseRss = rssBytes(target.server.pid);
  const results: FanOutStepResult[] = [];
  let maxClients = 0;
  let unfiltered = 0;
  let perKey = 0;
  let connectSeconds = 0;
  let failed = 0;
  try {
    for (const total of steps) {
      const wantPerKey = Math.round((total * filteredShare) / KEYS.length);
      const wantUnfiltered = total - wantPerKey * KEYS.length;
      const opened = [await clients.open(target.streamUrl, wantUnfiltered - unfiltered)];
      for (const key of wantPerKey > perKey ? KEYS : [])
        opened.push(
          await clients.open(`${target.streamUrl}?key=${key}`, wantPerKey - perKey, {
            filter: key,
          }),
        );
      unfiltered = wantUnfiltered;
      perKey = wantPerKey;
      connectSeconds += opened.reduce((sum, o) => sum + o.seconds, 0);
      failed += opened.reduce((sum, o) => sum + o.failed, 0);
      const step = await measureStep(
        target,
        clients,
        { unfiltered, perKey },
        seconds,
        { seconds: connectSeconds, failed },
        baseRss,
        filteredShare > 0,
      );
      log(
        `  ${total} clients: p99 ${step.p99} ms, delivered ${(step.delivered * 100).toFixed(2)}%, cpu ${(step.cpu * 100).toFixed(0)}% (clients ${(step.clientCpu * 100).toFixed(0)}%), connect ${step.connectSeconds.toFixed(2)} s`,
      );
      results.push(step);
      if (snapshotAt.includes(total)) await heapSnapshot(target.server.pid, log);
      // Every server climbs every step (memory and connect rate compare at the same N); only
      // a server that lost clients or most deliveries stops there.
      if (held(step)) maxClients = total;
      else if (step.failedConnects > 0 || step.delivered < 0.5) break;
    }
  } finally {
    await clients.closeAll().catch(() => undefined);
    clients.stop();
  }
  return { steps: results, maxClients, baseRssBytes: baseRss };
}

/**
 * Has the server (started with --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=...) write a heap
 * snapshot, and waits until it is written (the process answers its /readyz again).
 */
async function heapSnapshot(pid: number, log: (line: string) => void): Promise<void> {
  process.kill(pid, 'SIGUSR2');
  await sleep(500);
  const started = performance.now();
  // The snapshot blocks the process; the next CPU reading moving little tells it is done.
  let last = cpuSeconds(pid);
  // A server that stays busy for other reasons must not hold the bench for ever.
  for (let waited = 0; waited < 120; waited++) {
    await sleep(1000);
    const now = cpuSeconds(pid);
    if (now - last < 0.5) break;
    last = now;
  }
  log(
    `  heap snapshot of ${pid} written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** Fills a fresh topic with `count` records and measures clients/s that each get all of them on connect. */
async function replayConnect(
  target: Target,
  count: number,
  clientsCount: number,
): Promise<ConsumerFanOutResult['replayConnect']> {
  const run = randomUUID().slice(0, 8);
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) =>
        target.post(`${run}|fill|0|${i + j}`, undefined),
      ),
    );
  }
  const clients = startFanOutClients();
  try {
    // Until the consumer holds all of them (a replay then has `count` events).
    for (let tries = 0; ; tries++) {
      const text = await (await fetch(`${target.server.url}/metrics`)).text();
      if (Number(/^sse_replay_buffer_records (\d+)/m.exec(text)?.[1] ?? 0) >= count) break;
      if (tries >= 300)
        throw new Error(
          `${target.server.name}: the consumer did not hold ${count} records within 30 s`,
        );
      await sleep(100);
    }
    const opened = await clients.open(target.streamUrl, clientsCount, { replayEvents: count });
    return {
      clients: opened.opened,
      seconds: opened.seconds,
      perSecond: opened.opened / opened.seconds,
      failed: opened.failed,
    };
  } finally {
    await clients.closeAll().catch(() => undefined);
    clients.stop();
  }
}

/** Runs the whole comparison against a running broker (its binding directory). */
export async function consumerFanOut(options: {
  bindingDir: string;
  seconds: number;
  log: (line: string) => void;
  consumerNodeArgs?: readonly string[];
  steps?: readonly number[];
  beforeDir?: string;
  heapSnapshotsAt?: readonly number[];
  consumerOnly?: boolean;
  /** Rounds of this consumer against the one of `beforeDir` (default 1). */
  rounds?: number;
}): Promise<ConsumerFanOutResult> {
  const { log, seconds } = options;
  // Quiet, and with room for 19,000 clients.
  const fanOutServer = (
    entryPoint: string,
    env: Record<string, string>,
    readyPath: string,
    nodeOptions: readonly string[] = [],
    cwd?: string,
  ): Promise<ServerProcess> =>
    startServer({
      entryPoint,
      env: { LOG_LEVEL: 'warn', ...env },
      readyPath,
      nodeOptions,
      ...(cwd ? { cwd } : {}),
      raiseOpenFilesLimit: true,
    });
  const openFilesLimit = await fanOutServer('bench/bare-sse-server.ts', {}, '/rss').then(
    async (probe) => {
      const limits = (await import('node:fs')).readFileSync(`/proc/${probe.pid}/limits`, 'utf8');
      await probe.stop();
      return (
        /Max open files\s+(\S+)\s+(\S+)/.exec(limits)?.slice(1, 3).join(' soft / ') ?? 'unknown'
      );
    },
  );
  log(
    `fan-out: every server and the client process run with the open-files soft limit raised to the hard one (open files: ${openFilesLimit})`,
  );
  const steps = options.steps ?? FAN_OUT_STEPS;
  const appEnv = (topic: string): Record<string, string> => ({
    KAFKA_BINDING_DIR: options.bindingDir,
    TOPIC: topic,
    MAX_CLIENTS: '20000',
    // Every load-generator client comes from this host's address: no per-client quota.
    MAX_CLIENT_STREAMS: '0',
  });
  const withApps = async <T>(
    topic: string,
    fn: (target: Target) => Promise<T>,
    consumerDir?: string,
  ): Promise<T> => {
    // Both apps built, as production runs them, with their default settings.
    buildOnce(repo);
    if (consumerDir) buildOnce(consumerDir);
    const producer = await fanOutServer('apps/producer/dist/main.js', appEnv(topic), '/readyz');
    const consumer = await fanOutServer(
      'apps/consumer/dist/main.js',
      appEnv(topic),
      '/readyz',
      options.consumerNodeArgs,
      consumerDir,
    );
    try {
      return await fn({
        server: consumer,
        streamUrl: `${consumer.url}/messages`,
        post: (body, key) =>
          postQuietly(
            `${producer.url}/messages${key ? `?key=${encodeURIComponent(key)}` : ''}`,
            body,
          ),
      });
    } finally {
      await consumer.stop();
      await producer.stop();
    }
  };
  const withBaseline = async (script: string, readyPath: string): Promise<LadderResult> => {
    const server = await fanOutServer(script, {}, readyPath);
    try {
      return await ladder(
        {
          server,
          streamUrl: `${server.url}/messages`,
          post: (body) => postQuietly(`${server.url}/messages`, body),
        },
        steps,
        seconds,
        log,
      );
    } finally {
      await server.stop();
    }
  };
  const topic = `fan-${randomUUID()}`;
  const none: LadderResult = { steps: [], maxClients: 0, baseRssBytes: Number.NaN };
  log('fan-out: bare Node SSE server ...');
  const bareSse = options.consumerOnly
    ? none
    : await withBaseline('bench/bare-sse-server.ts', '/rss');
  log('fan-out: stack floor (express + better-sse) ...');
  const stackFloor = options.consumerOnly
    ? none
    : await withBaseline('bench/stack-floor-server.ts', '/ready');
  log('fan-out: consumer ...');
  const consumer = await withApps(`${topic}-all`, (target) =>
    ladder(target, steps, seconds, log, 0, options.heapSnapshotsAt),
  );
  log('fan-out: consumer, a quarter of the clients filtered by key ...');
  const mixed = options.consumerOnly
    ? none
    : await withApps(`${topic}-mixed`, (target) =>
        ladder(
          target,
          steps.filter((n) => n >= 10_000).length > 0 ? steps.filter((n) => n >= 10_000) : steps,
          seconds,
          log,
          0.25,
        ),
      );
  log('fan-out: connect with a 1,000-record replay ...');
  const replay = await withApps(`${topic}-replay`, (target) => replayConnect(target, 1000, 2000));
  let before: ConsumerFanOutResult['before'];
  if (options.beforeDir) {
    const dir = options.beforeDir;
    log(`fan-out: the consumer as it was before (${dir}) ...`);
    const ladderBefore = await withApps(
      `${topic}-before`,
      (target) => ladder(target, steps, seconds, log, 0, options.heapSnapshotsAt),
      dir,
    );
    const replayBefore = await withApps(
      `${topic}-before-replay`,
      (target) => replayConnect(target, 1000, 2000),
      dir,
    );
    before = { consumer: ladderBefore, replayConnect: replayBefore };
  }
  let rounds: ConsumerFanOutResult['rounds'];
  if (before && options.beforeDir && (options.rounds ?? 1) > 1) {
    const dir = options.beforeDir;
    const now: LadderResult[] = [consumer];
    const then: LadderResult[] = [before.consumer];
    // Each pair in the other order from the one before it: neither build always runs first.
    for (let round = 1; round < (options.rounds ?? 1); round++) {
      const runNow = async (): Promise<void> => {
        log(`fan-out: round ${round + 1}, this consumer ...`);
        now.push(
          await withApps(`${topic}-now-${round}`, (target) => ladder(target, steps, seconds, log)),
        );
      };
      const runBefore = async (): Promise<void> => {
        log(`fan-out: round ${round + 1}, the consumer before ...`);
        then.push(
          await withApps(
            `${topic}-before-${round}`,
            (target) => ladder(target, steps, seconds, log),
            dir,
          ),
        );
      };
      if (round % 2 === 1) {
        await runBefore();
        await runNow();
      } else {
        await runNow();
        await runBefore();
      }
    }
    rounds = { now, before: then };
  }
  return {
    consumer,
    stackFloor,
    bareSse,
    mixed,
    replayConnect: replay,
    openFilesLimit,
    ...(before ? { before } : {}),
    ...(rounds ? { rounds } : {}),
  };
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const kib = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : '-';
const mib = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : '-';

/** The fan-out tables, as markdown lines. */
export function fanOutTables(result: ConsumerFanOutResult): string[] {
  const lines = [
    `Fan-out at ${RATE} messages/s: SSE clients in their own process; baselines in their own processes (open files: ${result.openFilesLimit})`,
    '| server | clients | p50 ms | p99 ms | delivered | RSS | RSS/client | CPU | CPU s/1k deliveries | connect all | load generator CPU |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rows = (name: string, ladder: LadderResult): void => {
    for (const s of ladder.steps) {
      lines.push(
        `| ${name}${s.filtered ? ` (${s.filtered} by key)` : ''} | ${s.clients} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${(s.delivered * 100).toFixed(2)}% | ${mib(s.rssBytes)} | ${kib(s.rssPerClientBytes)} | ${fmt(s.cpu * 100)}% | ${fmt(s.cpuPer1000Deliveries, 3)} | ${fmt(s.connectSeconds, 2)} s (${fmt(s.clients / s.connectSeconds)}/s) | ${fmt(s.clientCpu * 100)}% |`,
      );
    }
  };
  rows('consumer', result.consumer);
  if (result.before) rows('consumer before', result.before.consumer);
  rows('consumer mixed', result.mixed);
  rows('stack floor', result.stackFloor);
  rows('bare SSE', result.bareSse);
  const at = (ladder: LadderResult, clients: number): FanOutStepResult | undefined =>
    ladder.steps.find((s) => s.clients === clients);
  const c10 = at(result.consumer, 10_000);
  const f10 = at(result.stackFloor, 10_000);
  const top = Math.max(...result.consumer.steps.map((s) => s.clients));
  const cTop = at(result.consumer, top);
  const fTop = at(result.stackFloor, top);
  const r = result.replayConnect;
  lines.push(
    '',
    `Largest N held with p99 < ${P99_GOAL_MS} ms: consumer ${result.consumer.maxClients}, mixed ${result.mixed.maxClients}, stack floor ${result.stackFloor.maxClients}, bare SSE ${result.bareSse.maxClients}`,
    `RSS per client at ${top}: consumer ${kib(cTop?.rssPerClientBytes ?? Number.NaN)}, stack floor ${kib(fTop?.rssPerClientBytes ?? Number.NaN)}: ratio ${ratio(cTop?.rssPerClientBytes ?? Number.NaN, fTop?.rssPerClientBytes ?? Number.NaN)} (target <= 1.10x)`,
    `Connect 10,000: consumer ${fmt(c10?.connectSeconds ?? Number.NaN, 2)} s, stack floor ${fmt(f10?.connectSeconds ?? Number.NaN, 2)} s: speed ratio ${ratio(f10?.connectSeconds ?? Number.NaN, c10?.connectSeconds ?? Number.NaN)} (target >= 0.80x)`,
    `Connect with a 1,000-record replay each: ${r.clients} clients in ${fmt(r.seconds, 2)} s = ${fmt(r.perSecond)}/s (target >= 1000/s), ${r.failed} failed`,
    `Consumer CPU at 10,000 clients: ${fmt((c10?.cpu ?? Number.NaN) * 100)}% of a core, ${fmt(c10?.cpuPer1000Deliveries ?? Number.NaN, 3)} CPU s per 1,000 deliveries`,
  );
  if (result.before) {
    const b10 = at(result.before.consumer, 10_000);
    lines.push(
      `Before: held ${result.before.consumer.maxClients}; CPU at 10,000 ${fmt((b10?.cpu ?? Number.NaN) * 100)}%, ${fmt(b10?.cpuPer1000Deliveries ?? Number.NaN, 3)} CPU s per 1,000 deliveries: now/before ${ratio(c10?.cpuPer1000Deliveries ?? Number.NaN, b10?.cpuPer1000Deliveries ?? Number.NaN)} (target <= 0.50x); ` +
        `replay connect ${fmt(result.before.replayConnect.perSecond)}/s`,
    );
  }
  if (result.rounds) lines.push(...roundsLines(result.rounds));
  return lines;
}

/** Per step: each round's p99 of both builds, their medians and the ratio of the medians. */
function roundsLines(rounds: NonNullable<ConsumerFanOutResult['rounds']>): string[] {
  const lines = [
    '',
    `Alternated rounds (${rounds.now.length} of each build): p99 ms per round, median, and now/before`,
  ];
  const stepsOf = (ladders: readonly LadderResult[]): number[] => [
    ...new Set(ladders.flatMap((l) => l.steps.map((s) => s.clients))),
  ];
  for (const clients of stepsOf(rounds.now)) {
    const p99s = (
      ladders: readonly LadderResult[],
      pick: (s: FanOutStepResult) => number,
    ): number[] =>
      ladders
        .map((l) => l.steps.find((s) => s.clients === clients))
        .filter((s): s is FanOutStepResult => s !== undefined)
        .map(pick);
    const now = p99s(rounds.now, (s) => s.p99);
    const before = p99s(rounds.before, (s) => s.p99);
    const cpuNow = p99s(rounds.now, (s) => s.cpuPer1000Deliveries);
    const cpuBefore = p99s(rounds.before, (s) => s.cpuPer1000Deliveries);
    lines.push(
      `- ${clients} clients: p99 now ${now.join(' / ')} (median ${fmt(median(now))}), before ${before.join(' / ')} (median ${fmt(median(before))}): ${ratio(median(now), median(before))}; ` +
        `CPU s per 1,000 deliveries, medians ${fmt(median(cpuNow), 3)} / ${fmt(median(cpuBefore), 3)}: ${ratio(median(cpuNow), median(cpuBefore))}`,
    );
  }
  return lines;
}
