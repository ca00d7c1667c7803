/**
 * The `auth` section of `npm run bench`: what access-token checks (AUTH_ISSUER and AUTH_AUDIENCE,
 * docs/access-tokens.md) cost each app, beside the same build with them off, in the same run.
 * Tokens come from a tiny issuer on 127.0.0.1 in the bench's process (auth-issuer.ts): one ES256
 * token with both scopes, reused by every connection as clients reuse theirs, so after its first
 * request each app answers it from memory (the keys are fetched once, before the figures).
 *
 * - Producer: the built producer with WORKERS=1 (as the producer and tracing sections compare CPU
 *   per request), off and on, each in its own process, loaded at a fixed rate by autocannon in a
 *   process of its own (http-load.ts, as BENCH_RATE does for the producer section), with
 *   `Authorization: Bearer <token>` when on. CPU per acknowledged POST from /proc.
 * - Consumer: the built consumer (LOG_LEVEL=warn and room for the clients, as in the fan-out
 *   section; MAX_CLIENT_STREAMS=0, since every stream comes from one client), off and on, each in
 *   its own process with an empty topic. The fan-out load generator (sse-client-process.ts, its
 *   own process) opens N streams, 200 at a time, with the token when on; connects per second until
 *   the last has its head, and the consumer's CPU per connect from /proc. Every stream is closed,
 *   and the consumer back to no clients, before the next figure.
 *
 * The two conditions alternate over the rounds (off then on, then on then off, ...); figures are
 * medians, beside each round's ratio of the pair, which cancels what drifts between rounds.
 */
import { type AuthIssuer, startAuthIssuer } from './auth-issuer.js';
import { startFanOutClients, type FanOutClients } from './fan-out-clients.js';
import { atFixedRate, httpLoad, type LoadHeaders } from './producer/http-load.js';
import type { NodeBinary } from './producer/node-binaries.js';
import { treeCpuSeconds } from './producer/process-cpu.js';
import {
  fixedRateFigures,
  measure,
  type FixedRateFigures,
  type Sample,
} from './producer/producer-bench.js';
import { producerEntryPoint, startServer, type ServerProcess } from './server-process.js';
import { median, sleep } from './stats.js';

/** The goals printed beside the figures: what the checks may cost, as ratios on / off. */
export const AUTH_GOALS = { producerCpuPerPost: 1.15, consumerConnectTime: 1.1 } as const;

/** Streams the load generator opens at once, as in the fan-out section. */
const IN_FLIGHT = 200;

export type AuthProducerFigures = FixedRateFigures;

export interface AuthConnectFigures {
  /** Streams opened a second, until the last had its head. */
  readonly perSecond: number;
  readonly perSecondRounds: readonly number[];
  /** CPU of the consumer per stream opened, in ms. */
  readonly cpuMsPerConnect: number;
  readonly cpuMsRounds: readonly number[];
  /** Streams that got no 200 head, over all rounds. */
  readonly failed: number;
}

export interface AuthCostResult {
  readonly node: string;
  readonly rounds: number;
  readonly producer: {
    readonly rate: number;
    readonly connections: number;
    readonly seconds: number;
    readonly off: AuthProducerFigures;
    readonly on: AuthProducerFigures;
    /** Median CPU per POST on / off. */
    readonly cpuRatio: number;
    /** Each round's CPU per POST on / off. */
    readonly cpuRatioRounds: readonly number[];
  };
  readonly consumer: {
    readonly clients: number;
    readonly inFlight: number;
    readonly off: AuthConnectFigures;
    readonly on: AuthConnectFigures;
    /** Time to connect them all, on / off: the median connects/s off over on. */
    readonly connectTimeRatio: number;
    /** Each round's connects/s off / on. */
    readonly connectTimeRatioRounds: readonly number[];
  };
  /** What the issuer answered over the section, by path: the apps' discovery and key-set fetches. */
  readonly issuerRequests: Readonly<Record<string, number>>;
}

/** Token checks off, whatever the bench's own environment holds (servers inherit it). */
const AUTH_OFF: Record<string, string> = {
  AUTH_ISSUER: '',
  AUTH_JWKS_URI: '',
  AUTH_AUDIENCE: '',
  AUTH_SUBJECTS: '',
  PRODUCER_TOKEN: '',
};

/** Token checks on: keys by discovery from `issuer`, the apps' default scopes. */
function authOn(issuer: AuthIssuer): Record<string, string> {
  return {
    ...AUTH_OFF,
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_WRITE_SCOPE: 'messages:write',
    AUTH_READ_SCOPE: 'messages:read',
  };
}

type Condition = 'off' | 'on';

/** Off then on in even rounds, on then off in odd ones: neither always goes first. */
const orderOf = (round: number): readonly Condition[] =>
  round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];

async function expectStatus(
  what: string,
  url: string,
  init: RequestInit,
  ok: (status: number) => boolean,
): Promise<void> {
  const response = await fetch(url, init);
  await response.arrayBuffer().catch(() => undefined);
  if (!ok(response.status)) throw new Error(`${what}: answered ${response.status}`);
}

async function producerPart(
  options: AuthCostOptions,
  issuer: AuthIssuer,
  authorization: string,
): Promise<AuthCostResult['producer']> {
  const { node, seconds, connections, rate } = options;
  const appEnv = { KAFKA_BINDING_DIR: options.bindingDir, TOPIC: options.topic, WORKERS: '1' };
  const started: ServerProcess[] = [];
  try {
    for (const [name, env] of [
      ['producer (auth off)', AUTH_OFF],
      ['producer (auth on)', authOn(issuer)],
    ] as const) {
      started.push(
        await startServer({
          name,
          node: node.path,
          entryPoint: producerEntryPoint(),
          env: { ...appEnv, ...env },
          readyPath: '/readyz',
        }),
      );
    }
    const [off, on] = started as [ServerProcess, ServerProcess];
    const servers: Record<Condition, ServerProcess> = { off, on };
    const headers: Record<Condition, LoadHeaders> = {
      off: {},
      on: { Authorization: authorization },
    };
    const post = (token?: string): RequestInit => ({
      method: 'POST',
      body: 'auth check',
      headers: {
        'Content-Type': 'text/plain',
        ...(token === undefined ? {} : { Authorization: token }),
      },
    });
    // The conditions are what they say: on refuses a POST without the token and takes it with.
    await expectStatus(
      'producer (auth off), no token',
      `${off.url}/messages`,
      post(),
      (s) => s >= 200 && s < 300,
    );
    await expectStatus(
      'producer (auth on), no token',
      `${on.url}/messages`,
      post(),
      (s) => s === 401,
    );
    await expectStatus(
      'producer (auth on), with the token',
      `${on.url}/messages`,
      post(authorization),
      (s) => s >= 200 && s < 300,
    );
    const samples: Record<Condition, Sample[]> = { off: [], on: [] };
    await atFixedRate(rate, async () => {
      for (const which of ['off', 'on'] as const)
        await httpLoad(`${servers[which].url}/messages`, connections, 2, headers[which]);
      for (let round = 0; round < options.repeats; round++) {
        options.log(
          `${node.label}: auth, producer at ${rate} POSTs/s, ${connections} connections, round ${round + 1} of ${options.repeats}`,
        );
        for (const which of orderOf(round))
          samples[which].push(
            await measure(
              servers[which],
              '/messages',
              connections,
              seconds,
              () => undefined,
              headers[which],
            ),
          );
      }
    });
    const offFigures = fixedRateFigures(samples.off);
    const onFigures = fixedRateFigures(samples.on);
    return {
      rate,
      connections,
      seconds,
      off: offFigures,
      on: onFigures,
      cpuRatio: onFigures.cpuMsPerPost / offFigures.cpuMsPerPost,
      cpuRatioRounds: onFigures.cpuMsRounds.map((v, i) => v / (offFigures.cpuMsRounds[i] ?? 0)),
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

/** Until the consumer holds no stream (the previous figure's closes done). */
async function drained(server: ServerProcess): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    if (Number(/^sse_clients (\d+)/m.exec(text)?.[1] ?? 0) === 0) return;
    await sleep(100);
  }
  throw new Error(`${server.name} still holds streams 10 s after they were closed`);
}

interface ConnectSample {
  readonly opened: number;
  readonly failed: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/** Opens `count` streams at `server`, 200 at a time, then closes them all. */
async function connectAll(
  clients: FanOutClients,
  server: ServerProcess,
  count: number,
  authorization: string | undefined,
): Promise<ConnectSample> {
  await drained(server);
  await sleep(500);
  const cpu = treeCpuSeconds(server.pid);
  const opened = await clients.open(`${server.url}/messages`, count, {
    inFlight: IN_FLIGHT,
    ...(authorization === undefined ? {} : { authorization }),
  });
  const cpuSeconds = treeCpuSeconds(server.pid) - cpu;
  await clients.closeAll();
  return { opened: opened.opened, failed: opened.failed, seconds: opened.seconds, cpuSeconds };
}

async function consumerPart(
  options: AuthCostOptions,
  issuer: AuthIssuer,
  authorization: string,
): Promise<AuthCostResult['consumer']> {
  const { node, clients: count } = options;
  const appEnv = {
    KAFKA_BINDING_DIR: options.bindingDir,
    // Empty, so a stream's connect carries no replay.
    TOPIC: `${options.topic}-sse`,
    MAX_CLIENTS: '20000',
    // Every stream comes from one address (off) or one token's subject (on): no per-client quota.
    MAX_CLIENT_STREAMS: '0',
    LOG_LEVEL: 'warn',
  };
  const started: ServerProcess[] = [];
  let clients: FanOutClients | undefined;
  try {
    for (const [name, env] of [
      ['consumer (auth off)', AUTH_OFF],
      ['consumer (auth on)', authOn(issuer)],
    ] as const) {
      started.push(
        await startServer({
          name,
          node: node.path,
          entryPoint: 'apps/consumer/dist/main.js',
          env: { ...appEnv, ...env },
          readyPath: '/readyz',
          raiseOpenFilesLimit: true,
        }),
      );
    }
    const [off, on] = started as [ServerProcess, ServerProcess];
    const servers: Record<Condition, ServerProcess> = { off, on };
    const tokens: Record<Condition, string | undefined> = { off: undefined, on: authorization };
    await expectStatus(
      'consumer (auth on), no token',
      `${on.url}/messages`,
      { headers: { Accept: 'text/event-stream' } },
      (s) => s === 401,
    );
    clients = startFanOutClients();
    // Warm-up, not counted: JIT of the consumers and of the load generator, and the keys fetched.
    for (const which of ['off', 'on'] as const) {
      const warm = await connectAll(clients, servers[which], count, tokens[which]);
      if (warm.failed > 0)
        throw new Error(
          `${servers[which].name}: ${warm.failed} of ${count} streams got no 200 in the warm-up`,
        );
    }
    const samples: Record<Condition, ConnectSample[]> = { off: [], on: [] };
    for (let round = 0; round < options.repeats; round++) {
      options.log(
        `${node.label}: auth, consumer connects (${count} clients), round ${round + 1} of ${options.repeats}`,
      );
      for (const which of orderOf(round))
        samples[which].push(await connectAll(clients, servers[which], count, tokens[which]));
    }
    const rate = (s: ConnectSample): number => s.opened / s.seconds;
    const cpuMs = (s: ConnectSample): number => (s.cpuSeconds * 1000) / s.opened;
    const figures = (list: readonly ConnectSample[]): AuthConnectFigures => ({
      perSecond: median(list.map(rate)),
      perSecondRounds: list.map(rate),
      cpuMsPerConnect: median(list.map(cpuMs)),
      cpuMsRounds: list.map(cpuMs),
      failed: list.reduce((sum, s) => sum + s.failed, 0),
    });
    const offFigures = figures(samples.off);
    const onFigures = figures(samples.on);
    return {
      clients: count,
      inFlight: IN_FLIGHT,
      off: offFigures,
      on: onFigures,
      connectTimeRatio: offFigures.perSecond / onFigures.perSecond,
      connectTimeRatioRounds: offFigures.perSecondRounds.map(
        (v, i) => v / (onFigures.perSecondRounds[i] ?? 0),
      ),
    };
  } finally {
    if (clients) {
      await clients.closeAll().catch(() => undefined);
      clients.stop();
    }
    await Promise.all(started.map((s) => s.stop()));
  }
}

export interface AuthCostOptions {
  readonly node: NodeBinary;
  readonly bindingDir: string;
  readonly topic: string;
  /** Length of each producer figure. */
  readonly seconds: number;
  /** Alternating rounds of each part. */
  readonly repeats: number;
  /** The producer's fixed load, POSTs a second over all connections. */
  readonly rate: number;
  readonly connections: number;
  /** Streams opened per consumer figure. */
  readonly clients: number;
  readonly log: (line: string) => void;
}

/** Both parts, against a running broker (its binding directory). */
export async function authCost(options: AuthCostOptions): Promise<AuthCostResult> {
  const issuer = await startAuthIssuer();
  try {
    const authorization = `Bearer ${await issuer.sign()}`;
    const producer = await producerPart(options, issuer, authorization);
    const consumer = await consumerPart(options, issuer, authorization);
    return {
      node: options.node.label,
      rounds: options.repeats,
      producer,
      consumer,
      issuerRequests: issuer.requests(),
    };
  } finally {
    await issuer.stop();
  }
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const times = (n: number): string => `${fmt(n, 2)}x`;
const list = (values: readonly number[], digits: number): string =>
  values.map((v) => fmt(v, digits)).join(' / ');
const byRound = (ratios: readonly number[]): string => {
  const finite = ratios.filter(Number.isFinite);
  return finite.length === 0
    ? '-'
    : `${fmt(median(finite), 3)}x (${fmt(Math.min(...finite), 2)}-${fmt(Math.max(...finite), 2)})`;
};
const verdict = (value: number, goal: number): string =>
  Number.isFinite(value) ? (value <= goal ? 'met' : 'MISSED') : '-';

/** The auth section of the bench's printout, as Markdown. */
export function formatAuthCost(result: AuthCostResult): string {
  const { producer: p, consumer: c } = result;
  const issued = Object.entries(result.issuerRequests)
    .map(([path, n]) => `${path} ${n}`)
    .join(', ');
  const producerRow = (name: Condition, f: AuthProducerFigures): string =>
    `| ${name} | ${fmt(f.rps)} | ${fmt(f.p99Ms, 1)} | ${fmt(f.cpuMsPerPost, 3)} | ${list(f.cpuMsRounds, 3)} | ${f.failed} |`;
  const consumerRow = (name: Condition, f: AuthConnectFigures): string =>
    `| ${name} | ${fmt(f.perSecond)} | ${list(f.perSecondRounds, 0)} | ${fmt(c.clients / f.perSecond, 2)} | ${fmt(f.cpuMsPerConnect, 3)} | ${f.failed} |`;
  return [
    `**Access tokens on ${result.node}** (AUTH_ISSUER + AUTH_AUDIENCE beside no token checks; one ES256 token from a local issuer, reused by every connection; medians of ${result.rounds} alternating rounds)`,
    '',
    `Producer, 1 worker, ${p.connections} connections at a fixed ${p.rate} POSTs/s (autocannon, its own process), ${p.seconds} s per figure:`,
    '',
    '| auth | POST/s achieved | p99 ms | CPU ms/POST | CPU ms/POST by round | failed |',
    '|---|---:|---:|---:|---|---:|',
    producerRow('off', p.off),
    producerRow('on', p.on),
    '',
    `CPU per POST, on / off: ${times(p.cpuRatio)} (medians), round by round ${byRound(p.cpuRatioRounds)}; goal within ${times(AUTH_GOALS.producerCpuPerPost)}: ${verdict(p.cpuRatio, AUTH_GOALS.producerCpuPerPost)}`,
    '',
    `Consumer, ${c.clients} SSE clients connecting ${c.inFlight} at a time (the fan-out load generator, its own process), all closed between figures:`,
    '',
    '| auth | connects/s | connects/s by round | s to connect all | consumer CPU ms/connect | failed |',
    '|---|---:|---|---:|---:|---:|',
    consumerRow('off', c.off),
    consumerRow('on', c.on),
    '',
    `Time to connect all, on / off: ${times(c.connectTimeRatio)} (medians), round by round ${byRound(c.connectTimeRatioRounds)}; goal within ${times(AUTH_GOALS.consumerConnectTime)}: ${verdict(c.connectTimeRatio, AUTH_GOALS.consumerConnectTime)}`,
    `Issuer requests over the section: ${issued || 'none'}`,
  ].join('\n');
}
