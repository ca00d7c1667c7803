import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sourceProcessArgs } from '../../scripts/source-process.js';
import { PRODUCER_MAIN } from './baseline-build.js';
import { httpLoad, type LoadHeaders, type LoadResult } from './http-load.js';
import { springJar, springServerOptions } from './spring-original.js';
import type { NodeBinary } from './node-binaries.js';
import { treeCpuSeconds } from './process-cpu.js';
import { cpuSeconds, machineIdleSeconds } from '../process-stats.js';
import { median } from '../stats.js';
import { producerEntryPoint, startServer, type ServerProcess } from '../server-process.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

/** One HTTP target's figures at one concurrency: medians over the repeats. */
export interface TargetFigures {
  readonly rps: number;
  /** Every round's requests/s, in the order measured: the spread behind the median. */
  readonly rpsRounds: readonly number[];
  /** Every round's server CPU ms per request, in the same order. */
  readonly cpuMsRounds: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU of the server's processes per acknowledged request, in ms. */
  readonly cpuMsPerRequest: number;
  /** Requests that did not get a 2xx, over all repeats. */
  readonly failed: number;
  /** CPU of the broker per acknowledged request, in ms (about 0 for the echoes). */
  readonly brokerCpuMsPerRequest: number;
  /** CPU of the load generator per request, in ms. */
  readonly generatorCpuMsPerRequest: number;
  /** CPUs of the machine left idle while it ran. */
  readonly idleCores: number;
}

export interface RawKafkaFigures {
  readonly messagesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU of the raw kafkajs process per send(), in ms. */
  readonly cpuMsPerSend: number;
}

export interface ProducerRow {
  readonly connections: number;
  readonly targets: Record<TargetName, TargetFigures>;
  readonly rawSingle: RawKafkaFigures;
  readonly rawBatched: RawKafkaFigures;
  /** One connection only: single sends 1 ms apart, so the process sleeps between them as a server does between requests. */
  readonly rawSinglePaused?: RawKafkaFigures;
}

export interface ProducerBenchResult {
  readonly node: string;
  readonly defaultWorkers: number;
  /** The baseline build's WORKERS (BENCH_BASELINE_WORKERS): `1`, or `default` for its own default. */
  readonly baselineWorkers: '1' | 'default';
  /** CPUs of the machine, shared by the load generator, the servers and the broker. */
  readonly cores: number;
  readonly rows: readonly ProducerRow[];
}

/**
 * `producerHeaders` is the 1-worker producer posted to with {@link THREE_HEADERS};
 * `producerCores` is the producer with `WORKERS=<cores>`, measured only where the default is
 * another count (a CPU quota, a memory limit, the cap of default-workers.ts); `baseline` is
 * another build of the producer (1 worker), measured only when the bench is given one; `spring`
 * is the Spring Boot original, measured only when `BENCH_SPRING_JAR` names its jar.
 */
export const TARGETS = [
  'nodeEcho',
  'expressEcho',
  'expressKafkajs',
  'producer',
  'producerHeaders',
  'producerWorkers',
  'producerCores',
  'baseline',
  'spring',
] as const;
export type TargetName = (typeof TARGETS)[number];

/** Three record headers per POST, of a size people send (a correlation id, a tenant, a source). */
export const THREE_HEADERS: LoadHeaders = {
  'Kafka-Header-Correlation-Id': '3f2c8a9e-6b1d-4c7e-9a05-2d8e4f1b7c63',
  'Kafka-Header-Tenant': 'tenant-42',
  'Kafka-Header-Source': 'bench',
};

/** Whether the raw kafkajs baselines run (`raw` in BENCH_TARGETS, or no BENCH_TARGETS). */
function wantsRaw(): boolean {
  return (
    process.env.BENCH_TARGETS === undefined ||
    process.env.BENCH_TARGETS.split(',').some((t) => t.trim() === 'raw')
  );
}

/** `BENCH_TARGETS`: which targets run (default: all; the baseline and Spring only when given). */
function activeTargets(hasBaseline: boolean, hasSpring: boolean): TargetName[] {
  const wanted = process.env.BENCH_TARGETS?.split(',').map((t) => t.trim());
  return TARGETS.filter(
    (t) =>
      (t !== 'baseline' || hasBaseline) &&
      (t !== 'spring' || hasSpring) &&
      (!wanted || wanted.includes(t)),
  );
}

/**
 * `BENCH_BASELINE_WORKERS`: the baseline build with one worker (`1`, the default: compared with
 * the producer's 1 worker) or with its default count (`default`: compared with the default workers).
 */
function baselineWorkersWanted(): '1' | 'default' {
  const wanted = process.env.BENCH_BASELINE_WORKERS?.trim() || '1';
  if (wanted !== '1' && wanted !== 'default')
    throw new Error(`BENCH_BASELINE_WORKERS: expected 1 or default, got ${wanted}`);
  return wanted;
}

/** Warm-up of every target before the first figure; the JVM's JIT needs longer than Node's. */
const WARM_UP_SECONDS = 3;
const JVM_WARM_UP_SECONDS = 20;

/** How many messages a batched raw kafkajs send() carries. */
export const RAW_BATCH = 100;

/** A raw kafkajs producer in its own process: `concurrency` loops of `perSend`-message sends (acks=all). */
export async function rawKafkajs(
  node: NodeBinary,
  bindingDir: string,
  topic: string,
  perSend: number,
  concurrency: number,
  seconds: number,
  pauseMs = 0,
  valueBytes?: number,
  upstream = false,
): Promise<RawKafkaFigures> {
  const { stdout } = await run(
    node.path,
    [
      ...sourceProcessArgs('bench/producer/raw-kafkajs-process.ts'),
      bindingDir,
      topic,
      String(perSend),
      String(concurrency),
      String(seconds),
      String(pauseMs),
      ...(valueBytes === undefined ? [] : [String(valueBytes)]),
    ],
    { cwd: repo, env: { ...process.env, RAW_KAFKAJS: upstream ? 'upstream' : 'patched' } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as RawKafkaFigures;
}

/** One load run against one server, with the CPU it cost. */
export interface Sample extends LoadResult {
  readonly cpuSeconds: number;
  readonly brokerCpuSeconds: number;
  readonly idleCores: number;
}

/** A fixed-rate condition's figures over its rounds: medians, and each round's CPU per POST. */
export interface FixedRateFigures {
  /** POSTs a second achieved (asked: the fixed rate). */
  readonly rps: number;
  readonly rpsRounds: readonly number[];
  readonly p99Ms: number;
  /** CPU of the producer's processes per acknowledged POST, in ms. */
  readonly cpuMsPerPost: number;
  readonly cpuMsRounds: readonly number[];
  /** Answers other than 2xx, socket errors and timeouts, over all rounds. */
  readonly failed: number;
}

/** The figures of one condition's samples. */
export function fixedRateFigures(list: readonly Sample[]): FixedRateFigures {
  const cpuMs = (s: Sample): number => (s.cpuSeconds * 1000) / (s.requests - s.failed);
  return {
    rps: median(list.map((s) => s.rps)),
    rpsRounds: list.map((s) => s.rps),
    p99Ms: median(list.map((s) => s.p99Ms)),
    cpuMsPerPost: median(list.map(cpuMs)),
    cpuMsRounds: list.map(cpuMs),
    failed: list.reduce((sum, s) => sum + s.failed, 0),
  };
}

/** Loads `server` for `seconds` (POSTs with `headers`) and counts its processes' CPU, the broker's and the machine's idle time meanwhile. */
export async function measure(
  server: ServerProcess,
  path: string,
  connections: number,
  seconds: number,
  brokerPid: () => number | undefined,
  headers: LoadHeaders,
): Promise<Sample> {
  const brokerCpu = (): number => {
    const pid = brokerPid();
    return pid === undefined ? Number.NaN : cpuSeconds(pid);
  };
  const [cpu, broker, idle, started] = [
    treeCpuSeconds(server.pid),
    brokerCpu(),
    machineIdleSeconds(),
    performance.now(),
  ];
  const result = await httpLoad(`${server.url}${path}`, connections, seconds, headers);
  const elapsed = (performance.now() - started) / 1000;
  return {
    ...result,
    cpuSeconds: treeCpuSeconds(server.pid) - cpu,
    brokerCpuSeconds: brokerCpu() - broker,
    idleCores: (machineIdleSeconds() - idle) / elapsed,
  };
}

/**
 * The producer's throughput, latency and CPU per request beside its baselines, all on `node`:
 * a bare Node echo, a bare express echo, express with one kafkajs send() per request (the floor
 * of any express app on Kafka), the built producer with one worker and with its default workers (each in its own process, as in production, default settings otherwise),
 * and raw kafkajs one message per send() and {@link RAW_BATCH} per send(). For each concurrency
 * the targets run one after another `repeats` times in a rotating order; figures are medians.
 */
export async function producerBench(options: {
  node: NodeBinary;
  bindingDir: string;
  topic: string;
  /** The broker JVM's pid, whose CPU is counted beside the servers'. */
  brokerPid: () => number | undefined;
  connections: readonly number[];
  seconds: number;
  repeats: number;
  log: (line: string) => void;
  /** A checkout holding another build of the producer (see baseline-build.ts). */
  baselineDir?: string | undefined;
}): Promise<ProducerBenchResult> {
  const { node, bindingDir, topic, seconds } = options;
  const appEnv = { KAFKA_BINDING_DIR: bindingDir, TOPIC: topic };
  const servers: Partial<Record<TargetName, ServerProcess>> = {};
  const jar = springJar();
  const targets = activeTargets(options.baselineDir !== undefined, jar !== undefined);
  const baselineWorkers = baselineWorkersWanted();
  const has = (...names: TargetName[]): boolean => names.some((t) => targets.includes(t));
  // The headers variant posts to the 1-worker producer: the same process, so the ratio is of the headers alone.
  const serverOf = (target: TargetName): ServerProcess | undefined =>
    servers[target === 'producerHeaders' ? 'producer' : target];
  const headersOf = (target: TargetName): LoadHeaders =>
    target === 'producerHeaders' ? THREE_HEADERS : {};
  try {
    if (has('nodeEcho'))
      servers.nodeEcho = await startServer({
        name: 'bare Node echo',
        node: node.path,
        entryPoint: 'bench/producer/node-echo-server.ts',
      });
    if (has('expressEcho'))
      servers.expressEcho = await startServer({
        name: 'bare express echo',
        node: node.path,
        entryPoint: 'bench/producer/express-echo-server.ts',
      });
    if (has('expressKafkajs'))
      servers.expressKafkajs = await startServer({
        name: 'express + kafkajs',
        node: node.path,
        entryPoint: 'bench/producer/express-kafkajs-server.ts',
        env: { ...appEnv, TOPIC: `${topic}-floor` },
      });
    if (has('producer', 'producerHeaders'))
      servers.producer = await startServer({
        name: 'producer (1 worker)',
        node: node.path,
        entryPoint: producerEntryPoint(),
        env: { ...appEnv, WORKERS: '1' },
        readyPath: '/readyz',
      });
    if (has('producerWorkers'))
      servers.producerWorkers = await startServer({
        name: 'producer (default workers)',
        node: node.path,
        entryPoint: producerEntryPoint(),
        env: appEnv,
        readyPath: '/readyz',
      });
    if (has('baseline') && options.baselineDir) {
      servers.baseline = await startServer({
        name: `baseline producer (${baselineWorkers === '1' ? '1 worker' : 'default workers'})`,
        node: node.path,
        cwd: options.baselineDir,
        entryPoint: PRODUCER_MAIN,
        env: baselineWorkers === '1' ? { ...appEnv, WORKERS: '1' } : appEnv,
        readyPath: '/readyz',
      });
    }
    if (has('spring') && jar)
      servers.spring = await startServer(springServerOptions(jar, bindingDir, `${topic}-spring`));
    const defaultWorkers = servers.producerWorkers
      ? await workersOf(servers.producerWorkers)
      : Number.NaN;
    const cores = availableParallelism();
    if (has('producerCores') && defaultWorkers !== cores)
      servers.producerCores = await startServer({
        name: `producer (${cores} workers)`,
        node: node.path,
        entryPoint: producerEntryPoint(),
        env: { ...appEnv, WORKERS: String(cores) },
        readyPath: '/readyz',
      });
    const running = targets.filter((t) => serverOf(t) !== undefined);

    // The broker's JIT as much as the apps': a cold broker doubles the first figures' latency.
    options.log(`${node.label}: warming up the broker and the servers`);
    for (const target of running) {
      const seconds = target === 'spring' ? JVM_WARM_UP_SECONDS : WARM_UP_SECONDS;
      await httpLoad(`${serverOf(target)?.url}/messages`, 128, seconds, headersOf(target));
    }

    const rows: ProducerRow[] = [];
    for (const connections of options.connections) {
      const samples = new Map<TargetName, Sample[]>(TARGETS.map((t) => [t, []]));
      const single: RawKafkaFigures[] = [];
      const batched: RawKafkaFigures[] = [];
      const paused: RawKafkaFigures[] = [];
      // Warm-up: JIT and connections, not counted.
      for (const target of running)
        await httpLoad(`${serverOf(target)?.url}/messages`, connections, 1, headersOf(target));
      for (let repeat = 0; repeat < options.repeats; repeat++) {
        options.log(
          `${node.label}: ${connections} connections, round ${repeat + 1} of ${options.repeats}`,
        );
        const order = running.map((_, i) => running[(i + repeat) % running.length] as TargetName);
        for (const target of order) {
          const server = serverOf(target);
          if (server)
            samples
              .get(target)
              ?.push(
                await measure(
                  server,
                  '/messages',
                  connections,
                  seconds,
                  options.brokerPid,
                  headersOf(target),
                ),
              );
        }
        if (!wantsRaw()) continue;
        single.push(await rawKafkajs(node, bindingDir, `${topic}-raw`, 1, connections, seconds));
        batched.push(
          await rawKafkajs(
            node,
            bindingDir,
            `${topic}-raw`,
            RAW_BATCH,
            Math.min(connections, 16),
            seconds,
          ),
        );
        if (connections === 1)
          paused.push(await rawKafkajs(node, bindingDir, `${topic}-raw`, 1, 1, seconds, 1));
      }
      const perRequest = (list: readonly Sample[], seconds: (s: Sample) => number): number =>
        median(list.map((s) => (seconds(s) * 1000) / (s.requests - s.failed)));
      const figures = (list: readonly Sample[]): TargetFigures => ({
        rps: median(list.map((s) => s.rps)),
        rpsRounds: list.map((s) => s.rps),
        cpuMsRounds: list.map((s) => (s.cpuSeconds * 1000) / (s.requests - s.failed)),
        p50Ms: median(list.map((s) => s.p50Ms)),
        p99Ms: median(list.map((s) => s.p99Ms)),
        cpuMsPerRequest: perRequest(list, (s) => s.cpuSeconds),
        brokerCpuMsPerRequest: perRequest(list, (s) => s.brokerCpuSeconds),
        generatorCpuMsPerRequest: perRequest(list, (s) => s.generatorCpuSeconds),
        idleCores: median(list.map((s) => s.idleCores)),
        failed: list.reduce((sum, s) => sum + s.failed, 0),
      });
      const raw = (list: readonly RawKafkaFigures[]): RawKafkaFigures => ({
        messagesPerSecond: median(list.map((r) => r.messagesPerSecond)),
        p50Ms: median(list.map((r) => r.p50Ms)),
        p99Ms: median(list.map((r) => r.p99Ms)),
        cpuMsPerSend: median(list.map((r) => r.cpuMsPerSend)),
      });
      rows.push({
        connections,
        targets: Object.fromEntries(
          TARGETS.map((t) => [t, figures(samples.get(t) ?? [])]),
        ) as Record<TargetName, TargetFigures>,
        rawSingle: raw(single),
        rawBatched: raw(batched),
        ...(paused.length > 0 ? { rawSinglePaused: raw(paused) } : {}),
      });
    }
    return { node: node.label, defaultWorkers, baselineWorkers, cores, rows };
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}

async function workersOf(server: ServerProcess): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^producer_workers (\d+)/m.exec(text)?.[1] ?? 1);
}
