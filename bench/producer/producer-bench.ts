import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sourceProcessArgs } from '../../scripts/source-process.js';
import { httpLoad, type LoadResult } from './http-load.js';
import type { NodeBinary } from './node-binaries.js';
import { treeCpuSeconds } from './process-cpu.js';
import { cpuSeconds, machineIdleSeconds } from '../process-stats.js';
import { producerEntryPoint, startServer, type ServerProcess } from '../server-process.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

/** One HTTP target's figures at one concurrency: medians over the repeats. */
export interface TargetFigures {
  readonly rps: number;
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
  /** CPUs of the machine, shared by the load generator, the servers and the broker. */
  readonly cores: number;
  readonly rows: readonly ProducerRow[];
}

export const TARGETS = ['nodeEcho', 'expressEcho', 'expressKafkajs', 'producer', 'producerWorkers'] as const;
export type TargetName = (typeof TARGETS)[number];

/** How many messages a batched raw kafkajs send() carries. */
export const RAW_BATCH = 100;

/** The median of the finite values; NaN for none. */
export const median = (values: readonly number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

async function rawKafkajs(node: NodeBinary, bindingDir: string, topic: string, perSend: number, concurrency: number, seconds: number, pauseMs = 0): Promise<RawKafkaFigures> {
  const { stdout } = await run(node.path, [...sourceProcessArgs('bench/producer/raw-kafkajs-process.ts'), bindingDir, topic, String(perSend), String(concurrency), String(seconds), String(pauseMs)], { cwd: repo });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as RawKafkaFigures;
}

/** One load run against one server, with the CPU it cost. */
export interface Sample extends LoadResult {
  readonly cpuSeconds: number;
  readonly brokerCpuSeconds: number;
  readonly idleCores: number;
}

/** Loads `server` for `seconds` and counts its processes' CPU, the broker's and the machine's idle time meanwhile. */
export async function measure(server: ServerProcess, path: string, connections: number, seconds: number, brokerPid: () => number | undefined): Promise<Sample> {
  const brokerCpu = (): number => {
    const pid = brokerPid();
    return pid === undefined ? Number.NaN : cpuSeconds(pid);
  };
  const [cpu, broker, idle, started] = [treeCpuSeconds(server.pid), brokerCpu(), machineIdleSeconds(), performance.now()];
  const result = await httpLoad(`${server.url}${path}`, connections, seconds);
  const elapsed = (performance.now() - started) / 1000;
  return { ...result, cpuSeconds: treeCpuSeconds(server.pid) - cpu, brokerCpuSeconds: brokerCpu() - broker, idleCores: (machineIdleSeconds() - idle) / elapsed };
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
}): Promise<ProducerBenchResult> {
  const { node, bindingDir, topic, seconds } = options;
  const appEnv = { KAFKA_BINDING_DIR: bindingDir, TOPIC: topic };
  const servers: Partial<Record<TargetName, ServerProcess>> = {};
  try {
    servers.nodeEcho = await startServer({ name: 'bare Node echo', node: node.path, entryPoint: 'bench/producer/node-echo-server.ts' });
    servers.expressEcho = await startServer({ name: 'bare express echo', node: node.path, entryPoint: 'bench/producer/express-echo-server.ts' });
    servers.expressKafkajs = await startServer({ name: 'express + kafkajs', node: node.path, entryPoint: 'bench/producer/express-kafkajs-server.ts', env: { ...appEnv, TOPIC: `${topic}-floor` } });
    servers.producer = await startServer({ name: 'producer (1 worker)', node: node.path, entryPoint: producerEntryPoint(), env: { ...appEnv, WORKERS: '1' }, readyPath: '/readyz' });
    servers.producerWorkers = await startServer({ name: 'producer (default workers)', node: node.path, entryPoint: producerEntryPoint(), env: appEnv, readyPath: '/readyz' });
    const defaultWorkers = await workersOf(servers.producerWorkers);

    // The broker's JIT as much as the apps': a cold broker doubles the first figures' latency.
    options.log(`${node.label}: warming up the broker and the servers`);
    for (const target of TARGETS) await httpLoad(`${servers[target]?.url}/messages`, 128, 3);

    const rows: ProducerRow[] = [];
    for (const connections of options.connections) {
      const samples = new Map<TargetName, Sample[]>(TARGETS.map((t) => [t, []]));
      const single: RawKafkaFigures[] = [];
      const batched: RawKafkaFigures[] = [];
      const paused: RawKafkaFigures[] = [];
      // Warm-up: JIT and connections, not counted.
      for (const target of TARGETS) await httpLoad(`${servers[target]?.url}/messages`, connections, 1);
      for (let repeat = 0; repeat < options.repeats; repeat++) {
        options.log(`${node.label}: ${connections} connections, round ${repeat + 1} of ${options.repeats}`);
        const order = TARGETS.map((_, i) => TARGETS[(i + repeat) % TARGETS.length] as TargetName);
        for (const target of order) {
          const server = servers[target];
          if (server) samples.get(target)?.push(await measure(server, '/messages', connections, seconds, options.brokerPid));
        }
        single.push(await rawKafkajs(node, bindingDir, `${topic}-raw`, 1, connections, seconds));
        batched.push(await rawKafkajs(node, bindingDir, `${topic}-raw`, RAW_BATCH, Math.min(connections, 16), seconds));
        if (connections === 1) paused.push(await rawKafkajs(node, bindingDir, `${topic}-raw`, 1, 1, seconds, 1));
      }
      const perRequest = (list: readonly Sample[], seconds: (s: Sample) => number): number => median(list.map((s) => (seconds(s) * 1000) / (s.requests - s.failed)));
      const figures = (list: readonly Sample[]): TargetFigures => ({
        rps: median(list.map((s) => s.rps)),
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
        targets: Object.fromEntries(TARGETS.map((t) => [t, figures(samples.get(t) ?? [])])) as Record<TargetName, TargetFigures>,
        rawSingle: raw(single),
        rawBatched: raw(batched),
        ...(paused.length > 0 ? { rawSinglePaused: raw(paused) } : {}),
      });
    }
    return { node: node.label, defaultWorkers, cores: availableParallelism(), rows };
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}

async function workersOf(server: ServerProcess): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^producer_workers (\d+)/m.exec(text)?.[1] ?? 1);
}
