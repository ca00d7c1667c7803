import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sourceProcessArgs } from '../../scripts/source-process.js';
import { median } from '../stats.js';
import { producerEntryPoint, startServer } from '../server-process.js';
import { httpLoad } from './http-load.js';
import type { NodeBinary } from './node-binaries.js';
import { treeCpuSeconds } from './process-cpu.js';
import { rawKafkajs } from './producer-bench.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The record size of the batch figures (bytes of value). */
export const BATCH_VALUE_BYTES = 100;
/** Records per raw kafkajs send: the producer's own BATCH_MAX_RECORDS default, one send in flight. */
const RAW_PER_SEND = 500;

/** One round: the three figures, measured one after the other. */
export interface BatchRound {
  /** Records acknowledged per second over one connection streaming application/x-ndjson. */
  readonly ndjsonRecordsPerSecond: number;
  /** Answer lines that were errors (should be 0). */
  readonly ndjsonErrors: number;
  /** The producer's CPU (all its processes) per record streamed, µs. */
  readonly ndjsonProducerCpuUs: number;
  /** The streaming client's own CPU per record, µs. */
  readonly ndjsonClientCpuUs: number;
  /** The raw kafkajs process's CPU per record, µs. */
  readonly rawCpuUs: number;
  /** The same for kafkajs as published. */
  readonly upstreamCpuUs: number;
  /** A raw kafkajs producer (own process, same broker, acks=all) sending the same records: kafka-client's patched kafkajs, as the apps run it. */
  readonly rawRecordsPerSecond: number;
  /** The same with kafkajs as published, none of kafka-client's fixes. */
  readonly upstreamRecordsPerSecond: number;
  /** Single-record POSTs per second over one connection. */
  readonly singlePostsPerSecond: number;
}

export interface BatchBenchResult {
  readonly node: string;
  readonly seconds: number;
  readonly rounds: readonly BatchRound[];
}

interface NdjsonFigures {
  readonly records: number;
  readonly errors: number;
  readonly recordsPerSecond: number;
  readonly cpuSeconds: number;
}

async function ndjsonClient(
  node: NodeBinary,
  url: string,
  seconds: number,
): Promise<NdjsonFigures> {
  const { stdout } = await run(
    node.path,
    [
      ...sourceProcessArgs('bench/producer/ndjson-client-process.ts'),
      url,
      String(seconds),
      String(BATCH_VALUE_BYTES),
    ],
    { cwd: repo, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as NdjsonFigures;
}

/**
 * Batches over one connection against the raw kafkajs producer and the single POST, in rounds
 * whose order alternates: the built producer with its default settings, each load in its own process.
 */
export async function batchBench(options: {
  readonly node: NodeBinary;
  readonly bindingDir: string;
  readonly topic: string;
  readonly seconds: number;
  readonly repeats: number;
  readonly log: (line: string) => void;
}): Promise<BatchBenchResult> {
  const { node, bindingDir, topic, seconds } = options;
  const server = await startServer({
    name: 'producer',
    node: node.path,
    entryPoint: producerEntryPoint(),
    env: { KAFKA_BINDING_DIR: bindingDir, TOPIC: topic },
    readyPath: '/readyz',
  });
  const rounds: BatchRound[] = [];
  try {
    // Warm-up: connections, metadata and JIT of each path.
    await ndjsonClient(node, server.url, 2);
    await httpLoad(`${server.url}/messages`, 1, 2);
    for (let round = 0; round < options.repeats; round++) {
      let producerCpuSeconds = 0;
      const measure = {
        ndjson: async () => {
          const before = treeCpuSeconds(server.pid);
          const figures = await ndjsonClient(node, server.url, seconds);
          producerCpuSeconds = treeCpuSeconds(server.pid) - before;
          return figures;
        },
        raw: () =>
          rawKafkajs(node, bindingDir, topic, RAW_PER_SEND, 1, seconds, 0, BATCH_VALUE_BYTES),
        upstream: () =>
          rawKafkajs(node, bindingDir, topic, RAW_PER_SEND, 1, seconds, 0, BATCH_VALUE_BYTES, true),
        single: () => httpLoad(`${server.url}/messages`, 1, seconds),
      };
      const order = (
        round % 2 === 0
          ? ['ndjson', 'raw', 'upstream', 'single']
          : ['single', 'upstream', 'raw', 'ndjson']
      ) as Array<keyof typeof measure>;
      const figures: Partial<Record<keyof typeof measure, unknown>> = {};
      for (const name of order) figures[name] = await measure[name]();
      const ndjson = figures.ndjson as NdjsonFigures;
      const raw = figures.raw as Awaited<ReturnType<typeof rawKafkajs>>;
      const upstream = figures.upstream as Awaited<ReturnType<typeof rawKafkajs>>;
      const single = figures.single as Awaited<ReturnType<typeof httpLoad>>;
      rounds.push({
        ndjsonRecordsPerSecond: ndjson.recordsPerSecond,
        ndjsonErrors: ndjson.errors,
        ndjsonProducerCpuUs: (producerCpuSeconds * 1e6) / ndjson.records,
        ndjsonClientCpuUs: (ndjson.cpuSeconds * 1e6) / ndjson.records,
        rawCpuUs: (raw.cpuMsPerSend * 1000) / RAW_PER_SEND,
        upstreamRecordsPerSecond: upstream.messagesPerSecond,
        upstreamCpuUs: (upstream.cpuMsPerSend * 1000) / RAW_PER_SEND,
        rawRecordsPerSecond: raw.messagesPerSecond,
        singlePostsPerSecond: single.rps,
      });
      options.log(
        `  batch round ${round + 1}: ndjson ${ndjson.recordsPerSecond.toFixed(0)}/s (producer ${(rounds.at(-1)?.ndjsonProducerCpuUs ?? 0).toFixed(1)} µs CPU a record), raw kafkajs ${raw.messagesPerSecond.toFixed(0)}/s (${(rounds.at(-1)?.rawCpuUs ?? 0).toFixed(1)} µs), as published ${upstream.messagesPerSecond.toFixed(0)}/s (${(rounds.at(-1)?.upstreamCpuUs ?? 0).toFixed(1)} µs), single POST ${single.rps.toFixed(0)}/s`,
      );
    }
  } finally {
    await server.stop();
  }
  return { node: node.version, seconds, rounds };
}

/** The batch figures as a table: medians, and the round-by-round ratios' median and range. */
export function formatBatchBench(result: BatchBenchResult): string {
  const { rounds } = result;
  const col = (pick: (r: BatchRound) => number): number => median(rounds.map(pick));
  const ratios = (pick: (r: BatchRound) => number): string => {
    const each = rounds.map(pick);
    return `${median(each).toFixed(2)}x (${Math.min(...each).toFixed(2)}-${Math.max(...each).toFixed(2)})`;
  };
  return [
    `Batches: one connection streaming application/x-ndjson (${BATCH_VALUE_BYTES}-byte records), beside a raw kafkajs producer sending the same records (${RAW_PER_SEND} a send, acks=all, its own process; patched: kafka-client's kafkajs, as the apps run it; as published: kafkajs 2.2.4 without kafka-client's fixes) and single POSTs over one connection; Node ${result.node}, ${result.seconds} s per figure, medians of ${rounds.length} alternating rounds`,
    '| | records/s | ndjson / it (round by round) | CPU µs a record |',
    '|---|---:|---:|---:|',
    `| ndjson, one connection | ${col((r) => r.ndjsonRecordsPerSecond).toFixed(0)} | | ${col((r) => r.ndjsonProducerCpuUs).toFixed(1)} producer, ${col((r) => r.ndjsonClientCpuUs).toFixed(1)} client |`,
    `| raw kafkajs, patched | ${col((r) => r.rawRecordsPerSecond).toFixed(0)} | ${ratios((r) => r.ndjsonRecordsPerSecond / r.rawRecordsPerSecond)} | ${col((r) => r.rawCpuUs).toFixed(1)} |`,
    `| raw kafkajs, as published | ${col((r) => r.upstreamRecordsPerSecond).toFixed(0)} | ${ratios((r) => r.ndjsonRecordsPerSecond / r.upstreamRecordsPerSecond)} | ${col((r) => r.upstreamCpuUs).toFixed(1)} |`,
    `| single POSTs, one connection | ${col((r) => r.singlePostsPerSecond).toFixed(0)} | ${ratios((r) => r.ndjsonRecordsPerSecond / r.singlePostsPerSecond)} | |`,
    `(${rounds.reduce((sum, r) => sum + r.ndjsonErrors, 0)} error lines)`,
  ].join('\n');
}
