import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpLoad } from './http-load.js';
import { median } from '../stats.js';
import { measure, type Sample } from './producer-bench.js';
import { producerEntryPoint, startServer, type ServerProcess } from '../server-process.js';
import { cpuSeconds } from '../process-stats.js';

type Condition = 'off' | 'on' | 'sampled' | 'json';

/** The sampler a busy service would pick: 10% of new traces, and every trace a caller sampled. */
const TEN_PERCENT = {
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.1',
};

/** One concurrency: the producer with tracing off, always on, and 10% (medians of rotated rounds). */
export interface TracingCostRow {
  readonly connections: number;
  readonly off: { rps: number; p99Ms: number; cpuMsPerRequest: number };
  /** Always on: every request traced (the SDK's default sampler, parent-based always-on). */
  readonly on: { rps: number; p99Ms: number; cpuMsPerRequest: number };
  /** Parent-based, 10% of the traces that start here (`parentbased_traceidratio`, 0.1). */
  readonly sampled: { rps: number; p99Ms: number; cpuMsPerRequest: number };
  /** Always on, exported as OTLP/HTTP JSON (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) instead of protobuf. */
  readonly json: { rps: number; p99Ms: number; cpuMsPerRequest: number };
  /** Each round's POST/s of each traced condition over off: their medians and ranges. */
  readonly roundRatios: {
    readonly on: readonly number[];
    readonly sampled: readonly number[];
    readonly json: readonly number[];
  };
  /** CPU of the receiving process per traced request, in ms (a collector's share, not the app's). */
  readonly receiverCpuMsPerRequest: number;
  /** OTLP bytes exported per traced request. */
  readonly exportBytesPerRequest: number;
}

/**
 * Where the producer's time goes, by package: shares of the self time of a CPU profile under
 * load, off and on. Shares, not µs: the profiler samples wall-clock time, which on a busy
 * machine includes time the process waited for a core (the CPU figures above are the process's own).
 */
export interface TracingProfileRow {
  readonly where: string;
  readonly offShare: number;
  readonly onShare: number;
}

export interface TracingCostResult {
  readonly node: string;
  readonly rows: readonly TracingCostRow[];
  readonly profile: readonly TracingProfileRow[];
  readonly profileConnections: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

/** Self time in µs by where the code lives (each package, our code, Node itself, GC; idle left out), between `fromUs` and `toUs` into the profile. */
function selfTimeByPackage(
  profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] },
  fromUs: number,
  toUs: number,
): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) return;
    const frame = byId.get(id)?.callFrame;
    const url = frame?.url ?? '';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const where =
      pkg ??
      (/\/(apps|packages)\//.test(url)
        ? 'our code'
        : url.startsWith('node:')
          ? url
          : frame?.functionName === '(garbage collector)'
            ? 'GC'
            : frame?.functionName === '(idle)'
              ? '(idle)'
              : 'Node (native)');
    self.set(where, (self.get(where) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  self.delete('(idle)');
  return self;
}

/**
 * The producer (built, one worker) with tracing off beside the same build with tracing on,
 * exporting OTLP/HTTP (protobuf, the SDK's default; and, always on, JSON) to a receiver in a process of its own, at
 * each concurrency in alternating rounds; then a CPU profile of the traced one, by package.
 */
export async function tracingCost(options: {
  node: { label: string; path: string };
  bindingDir: string;
  topic: string;
  connections: readonly number[];
  seconds: number;
  repeats: number;
  log: (line: string) => void;
}): Promise<TracingCostResult> {
  const { node, seconds } = options;
  const appEnv = { KAFKA_BINDING_DIR: options.bindingDir, TOPIC: options.topic, WORKERS: '1' };
  const started: ServerProcess[] = [];
  const start = async (...args: Parameters<typeof startServer>): Promise<ServerProcess> => {
    const server = await startServer(...args);
    started.push(server);
    return server;
  };
  try {
    const receiver = await start({
      name: 'OTLP receiver',
      node: node.path,
      entryPoint: 'bench/producer/otlp-sink-process.ts',
    });
    const otel = {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    };
    const off = await start({
      name: 'producer (tracing off)',
      node: node.path,
      entryPoint: producerEntryPoint(),
      env: appEnv,
      readyPath: '/readyz',
    });
    const on = await start({
      name: 'producer (tracing on)',
      node: node.path,
      entryPoint: producerEntryPoint(),
      env: { ...appEnv, ...otel },
      readyPath: '/readyz',
    });
    const sampled = await start({
      name: 'producer (tracing 10%)',
      node: node.path,
      entryPoint: producerEntryPoint(),
      env: { ...appEnv, ...otel, ...TEN_PERCENT },
      readyPath: '/readyz',
    });
    const json = await start({
      name: 'producer (tracing on, OTLP JSON)',
      node: node.path,
      entryPoint: producerEntryPoint(),
      env: { ...appEnv, ...otel, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      readyPath: '/readyz',
    });
    const servers = { off, on, sampled, json };
    const receiverStats = async (): Promise<{ requests: number; bytes: number }> =>
      (await fetch(`${receiver.url}/stats`)).json() as Promise<{ requests: number; bytes: number }>;

    const rows: TracingCostRow[] = [];
    for (const connections of options.connections) {
      for (const server of Object.values(servers))
        await httpLoad(`${server.url}/messages`, connections, 2);
      const samples: Record<Condition, Sample[]> = { off: [], on: [], sampled: [], json: [] };
      const receiverMs: number[] = [];
      const bytes: number[] = [];
      for (let repeat = 0; repeat < options.repeats; repeat++) {
        options.log(
          `${node.label}: tracing cost, ${connections} connections, round ${repeat + 1} of ${options.repeats}`,
        );
        const conditions: Condition[] = ['off', 'on', 'sampled', 'json'];
        // Rotated, so each condition runs in each place in turn.
        const order = conditions.map((_, i) => conditions[(i + repeat) % conditions.length]);
        for (const which of order as Condition[]) {
          const server = servers[which];
          const [cpu0, stats0] = [cpuSeconds(receiver.pid), await receiverStats()];
          const sample = await measure(
            server,
            '/messages',
            connections,
            seconds,
            () => undefined,
            {},
          );
          samples[which].push(sample);
          if (which === 'on') {
            // The batch processor exports every 5 s: wait for this round's spans to arrive.
            await new Promise((resolve) => setTimeout(resolve, 5500));
            const stats1 = await receiverStats();
            const acked = sample.requests - sample.failed;
            receiverMs.push(((cpuSeconds(receiver.pid) - cpu0) * 1000) / acked);
            bytes.push((stats1.bytes - stats0.bytes) / acked);
          }
        }
      }
      const figures = (list: readonly Sample[]): TracingCostRow['off'] => ({
        rps: median(list.map((s) => s.rps)),
        p99Ms: median(list.map((s) => s.p99Ms)),
        cpuMsPerRequest: median(list.map((s) => (s.cpuSeconds * 1000) / (s.requests - s.failed))),
      });
      const ratios = (which: Condition): number[] =>
        samples[which].map((s, i) => s.rps / (samples.off[i]?.rps ?? Number.NaN));
      rows.push({
        connections,
        off: figures(samples.off),
        on: figures(samples.on),
        sampled: figures(samples.sampled),
        json: figures(samples.json),
        roundRatios: { on: ratios('on'), sampled: ratios('sampled'), json: ratios('json') },
        receiverCpuMsPerRequest: median(receiverMs),
        exportBytesPerRequest: median(bytes),
      });
    }

    // Where the CPU goes, off and on: processes of their own, so the figures above are not profiled.
    const profileConnections = Math.max(...options.connections);
    const profileOf = async (env: Record<string, string>): Promise<Map<string, number>> => {
      const dir = mkdtempSync(join(tmpdir(), 'producer-tracing-profile-'));
      const spawned = performance.now();
      const profiled = await startServer({
        name: 'producer (profiled)',
        node: node.path,
        entryPoint: producerEntryPoint(),
        env,
        readyPath: '/readyz',
        nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      });
      try {
        await httpLoad(`${profiled.url}/messages`, profileConnections, 2);
        // Start-up (loading the SDK included) and warm-up left out: the profile from here on.
        const fromUs = (performance.now() - spawned) * 1000;
        const load = await httpLoad(`${profiled.url}/messages`, profileConnections, seconds);
        const toUs = (performance.now() - spawned) * 1000;
        await profiled.stop();
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!file) return new Map();
        if (load.requests - load.failed === 0) return new Map();
        const self = selfTimeByPackage(
          JSON.parse(readFileSync(join(dir, file), 'utf8')) as Parameters<
            typeof selfTimeByPackage
          >[0],
          fromUs,
          toUs,
        );
        const total = [...self.values()].reduce((a, b) => a + b, 0);
        return new Map([...self].map(([where, us]) => [where, us / total]));
      } finally {
        await profiled.stop();
      }
    };
    options.log(`${node.label}: tracing cost, CPU profiles at ${profileConnections} connections`);
    const offProfile = await profileOf(appEnv);
    const onProfile = await profileOf({ ...appEnv, ...otel });
    const profile = [...new Set([...offProfile.keys(), ...onProfile.keys()])]
      .map((where) => ({
        where,
        offShare: offProfile.get(where) ?? 0,
        onShare: onProfile.get(where) ?? 0,
      }))
      .sort((a, b) => b.onShare - a.onShare);
    return { node: node.label, rows, profile, profileConnections };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
/** A list of ratios as their median and range. */
const spread = (list: readonly number[]): string =>
  `${fmt(median(list), 2)}x (${fmt(Math.min(...list), 2)}-${fmt(Math.max(...list), 2)})`;

/** The tracing table, and where the added CPU goes by package. */
export function formatTracingCost(
  result: TracingCostResult,
  seconds: number,
  repeats: number,
): string {
  const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
  const otelShare = result.profile
    .filter((r) => r.where.startsWith('@opentelemetry/'))
    .reduce((total, r) => total + r.onShare, 0);
  return [
    `Producer with tracing on (OpenTelemetry SDK, OTLP/HTTP to a local receiver process): always on, and parent-based 10%, beside tracing off, exported as protobuf (the SDK's default); and always on exported as JSON; 1 worker, ${result.node}, ${seconds} s per figure, medians of ${repeats} rotated rounds`,
    '| connections | POST/s off | POST/s always on | on / off (round by round) | POST/s 10% | 10% / off (round by round) | POST/s always on, JSON | JSON / off (round by round) | p99 ms off, on, 10%, JSON | CPU ms/POST off, on, 10%, JSON | tracing cost, CPU µs/POST on, 10%, JSON | receiver CPU µs/POST | OTLP bytes/POST |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...result.rows.map(
      (r) =>
        `| ${r.connections} | ${fmt(r.off.rps)} | ${fmt(r.on.rps)} | ${spread(r.roundRatios.on)} | ${fmt(r.sampled.rps)} | ${spread(r.roundRatios.sampled)} | ${fmt(r.json.rps)} | ${spread(r.roundRatios.json)} | ${[r.off, r.on, r.sampled, r.json].map((f) => fmt(f.p99Ms, 1)).join(', ')} | ${[r.off, r.on, r.sampled, r.json].map((f) => fmt(f.cpuMsPerRequest, 3)).join(', ')} | ${[r.on, r.sampled, r.json].map((f) => fmt((f.cpuMsPerRequest - r.off.cpuMsPerRequest) * 1000)).join(', ')} | ${fmt(r.receiverCpuMsPerRequest * 1000)} | ${fmt(r.exportBytesPerRequest)} |`,
    ),
    '',
    `Where the time goes at ${result.profileConnections} connections (CPU profiles, self time by package, shares): OpenTelemetry's packages ${pct(otelShare)} of the traced producer's`,
    '| where | share off | share on |',
    '|---|---:|---:|',
    ...result.profile
      .slice(0, 16)
      .map((r) => `| ${r.where} | ${pct(r.offShare)} | ${pct(r.onShare)} |`),
  ].join('\n');
}
