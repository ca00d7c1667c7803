import type { ProducerBenchResult, ProducerRow, TargetFigures } from './producer-bench.js';
import { RAW_BATCH, TARGETS, type TargetName } from './producer-bench.js';
import { median } from '../stats.js';
import { fixedRate } from './http-load.js';

const n = (value: number, digits = 0): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '-';
const rate = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
/** Whether every figure a check needs was measured (BENCH_TARGETS may leave some out). */
const measured = (...figures: number[]): boolean => figures.every(Number.isFinite);
const cell = (t: TargetFigures): string =>
  `${rate(t.rps)}/s, ${n(t.p50Ms, 2)} / ${n(t.p99Ms, 2)} ms${t.failed > 0 ? ` (${t.failed} failed)` : ''}`;

/** A target of issue 13, checked from one run's figures. */
export interface TargetCheck {
  readonly what: string;
  readonly value: string;
  readonly limit: string;
  readonly met: boolean;
}

/** The issue's targets, as ratios of figures measured in the same run. */
export function producerTargets(result: ProducerBenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const at = (connections: number): ProducerRow | undefined =>
    result.rows.find((r) => r.connections === connections);
  const one = at(1);
  if (
    one &&
    measured(one.targets.expressEcho.p50Ms, one.rawSingle.p50Ms, one.targets.producer.p50Ms)
  ) {
    const limit = one.targets.expressEcho.p50Ms + one.rawSingle.p50Ms + 0.05;
    checks.push({
      what: '1 connection: producer p50 <= express echo p50 + raw kafkajs p50 + 0.05 ms',
      value: `${n(one.targets.producer.p50Ms, 3)} ms`,
      limit: `${n(limit, 3)} ms`,
      met: one.targets.producer.p50Ms <= limit,
    });
  }
  const many = at(128);
  if (many) {
    const { producer, producerWorkers, expressEcho } = many.targets;
    if (
      measured(producer.rps, expressEcho.rps, producer.cpuMsPerRequest, expressEcho.cpuMsPerRequest)
    )
      checks.push({
        what: '128 connections, 1 worker: requests/s >= 0.85x express echo',
        value: `${n(producer.rps / expressEcho.rps, 2)}x`,
        limit: '0.85x',
        met: producer.rps >= 0.85 * expressEcho.rps,
      });
    if (measured(producer.cpuMsPerRequest, expressEcho.cpuMsPerRequest))
      checks.push({
        what: '128 connections, 1 worker: CPU per POST <= 1.25x express echo',
        value: `${n(producer.cpuMsPerRequest / expressEcho.cpuMsPerRequest, 2)}x`,
        limit: '1.25x',
        met: producer.cpuMsPerRequest <= 1.25 * expressEcho.cpuMsPerRequest,
      });
    if (measured(producerWorkers.rps, expressEcho.rps))
      checks.push({
        what: `128 connections, default workers (${result.defaultWorkers}): requests/s >= 1.4x express echo`,
        value: `${n(producerWorkers.rps / expressEcho.rps, 2)}x`,
        limit: '1.4x',
        met: producerWorkers.rps >= 1.4 * expressEcho.rps,
      });
  }
  return checks;
}

/**
 * What the same run says about the targets' reach: the 1-connection floor of express + kafkajs,
 * and the most requests/s this machine's CPUs allow at 128 connections when every request costs
 * the app's, the broker's and the load generator's CPU as measured.
 */
export function producerCeilings(result: ProducerBenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const one = result.rows.find((r) => r.connections === 1);
  if (
    one &&
    measured(one.targets.expressEcho.p50Ms, one.rawSingle.p50Ms, one.targets.expressKafkajs.p50Ms)
  ) {
    const limit = one.targets.expressEcho.p50Ms + one.rawSingle.p50Ms + 0.05;
    checks.push({
      what: '1 connection: express + kafkajs floor p50 against the same limit',
      value: `${n(one.targets.expressKafkajs.p50Ms, 3)} ms`,
      limit: `${n(limit, 3)} ms`,
      met: one.targets.expressKafkajs.p50Ms <= limit,
    });
    const paused = one.rawSinglePaused;
    if (paused) {
      const limitPaused = one.targets.expressEcho.p50Ms + paused.p50Ms + 0.05;
      checks.push({
        what: `1 connection: the same limit with raw kafkajs measured 1 ms apart, as a server's sends are (p50 ${n(paused.p50Ms, 3)} ms, CPU ${n(paused.cpuMsPerSend, 3)} ms per send; back to back ${n(one.rawSingle.p50Ms, 3)} / ${n(one.rawSingle.cpuMsPerSend, 3)} ms)`,
        value: `${n(one.targets.producer.p50Ms, 3)} ms`,
        limit: `${n(limitPaused, 3)} ms`,
        met: one.targets.producer.p50Ms <= limitPaused,
      });
    }
  }
  const many = result.rows.find((r) => r.connections === 128);
  if (
    many &&
    measured(
      many.targets.producerWorkers.cpuMsPerRequest,
      many.targets.expressEcho.rps,
      many.targets.expressEcho.cpuMsPerRequest,
    )
  ) {
    const { producerWorkers, expressEcho } = many.targets;
    const shared = producerWorkers.brokerCpuMsPerRequest + producerWorkers.generatorCpuMsPerRequest;
    const ceiling = (appMs: number): number => (result.cores * 1000) / (appMs + shared);
    const atProducer = ceiling(producerWorkers.cpuMsPerRequest);
    const atEcho = ceiling(expressEcho.cpuMsPerRequest);
    checks.push({
      what: `128 connections: ${result.cores} CPUs / (producer + broker + load generator CPU per POST), as a ratio to express echo`,
      value: `${n(atProducer / expressEcho.rps, 2)}x`,
      limit: '1.4x',
      met: atProducer >= 1.4 * expressEcho.rps,
    });
    checks.push({
      what: `the same ceiling if each POST cost the app no more than the bare express echo's CPU`,
      value: `${n(atEcho / expressEcho.rps, 2)}x`,
      limit: '1.4x',
      met: atEcho >= 1.4 * expressEcho.rps,
    });
  }
  return checks;
}

/** Where the machine's CPUs went at the highest concurrency: per request, and what stayed idle. */
function machineTable(result: ProducerBenchResult): string[] {
  const row = result.rows.at(-1);
  if (!row) return [];
  const names: Record<TargetName, string> = {
    nodeEcho: 'bare Node echo',
    expressEcho: 'bare express echo',
    expressKafkajs: 'express + kafkajs',
    producer: 'producer, 1 worker',
    producerHeaders: 'producer, 1 worker, 3 Kafka-Header-*',
    producerWorkers: `producer, ${result.defaultWorkers} workers (default)`,
    producerCores: `producer, ${result.cores} workers (one per CPU)`,
    baseline: `baseline build, ${result.baselineWorkers === '1' ? '1 worker' : 'default workers'}`,
    spring: 'Spring original',
  };
  return [
    `**Producer on ${result.node}: where the ${result.cores} CPUs went at ${row.connections} connections** (CPU ms per request; idle CPUs)`,
    '',
    '| server | requests/s | server | broker | load generator | idle CPUs |',
    '|---|---:|---:|---:|---:|---:|',
    ...TARGETS.filter((t) => Number.isFinite(row.targets[t].rps)).map((t) => {
      const f = row.targets[t];
      return `| ${names[t]} | ${rate(f.rps)} | ${n(f.cpuMsPerRequest, 3)} | ${n(f.brokerCpuMsPerRequest, 3)} | ${n(f.generatorCpuMsPerRequest, 3)} | ${n(f.idleCores, 2)} |`;
    }),
    '',
  ];
}

/**
 * How far apart the rounds of two targets were (requests/s, or CPU ms per request with a fixed
 * rate), and their ratio round by round: each round measured both back to back, so that ratio
 * cancels what drifts between rounds (the broker).
 */
function spread(a: TargetFigures, b: TargetFigures): string {
  const byCpu = fixedRate() !== undefined;
  const rounds = (t: TargetFigures): readonly number[] => (byCpu ? t.cpuMsRounds : t.rpsRounds);
  const show = (v: number): string => (byCpu ? n(v, 3) : rate(v));
  const range = (t: TargetFigures): string =>
    rounds(t).length === 0
      ? '-'
      : `${show(Math.min(...rounds(t)))}-${show(Math.max(...rounds(t)))}`;
  const theirs = rounds(b);
  // With CPU, the other's over this one's: below 1 costs more, as the checks read.
  const paired = rounds(a)
    .slice(0, theirs.length)
    .map((v, i) => (byCpu ? (theirs[i] ?? Number.NaN) / v : v / (theirs[i] ?? Number.NaN)))
    .filter(Number.isFinite);
  const pairs =
    paired.length === 0
      ? ''
      : `; round by round ${n(median(paired), 3)}x (${n(Math.min(...paired), 2)}-${n(Math.max(...paired), 2)})`;
  return `${byCpu ? 'CPU ms rounds' : 'rounds'} ${range(a)} / ${range(b)}${pairs}`;
}

/** A table of checks with its title, or nothing when the run measured none of them. */
function section(
  title: string,
  header: string,
  checks: readonly TargetCheck[],
  verdict: (c: TargetCheck) => string,
): string[] {
  if (checks.length === 0) return [];
  return [
    title,
    '',
    header,
    '|---|---:|---:|---|',
    ...checks.map((c) => `| ${c.what} | ${c.value} | ${c.limit} | ${verdict(c)} |`),
    '',
  ];
}

/**
 * Record headers' cost and the change against the baseline build, as ratios in the same run:
 * three Kafka-Header-* headers within 10% of none and of the baseline build (which had no
 * headers), and this build without headers within 3% of the baseline's. Ratios of requests/s,
 * or with a fixed rate (BENCH_RATE), where both serve the same load, of CPU per request (the
 * other's over this one's: below 1 costs more).
 */
export function headerChecks(result: ProducerBenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const byCpu = fixedRate() !== undefined;
  const compare = (
    connections: number,
    what: string,
    a: TargetFigures,
    b: TargetFigures,
    limit: number,
  ): void => {
    if (!Number.isFinite(a.rps) || !Number.isFinite(b.rps)) return;
    const r = byCpu ? b.cpuMsPerRequest / a.cpuMsPerRequest : a.rps / b.rps;
    const figures = `${rate(a.rps)} / ${rate(b.rps)} POST/s, ${spread(a, b)}; CPU ${n(a.cpuMsPerRequest, 3)} / ${n(b.cpuMsPerRequest, 3)} ms`;
    checks.push({
      what: `${connections} connections: ${what} (${figures})${byCpu ? ', by CPU per request' : ''}`,
      value: `${n(r, 3)}x`,
      limit: `${n(limit, 2)}x`,
      met: r >= limit,
    });
  };
  for (const row of result.rows) {
    const { producer, producerHeaders, producerWorkers, baseline } = row.targets;
    const sameWorkers = result.baselineWorkers === '1' ? producer : producerWorkers;
    compare(row.connections, '3 Kafka-Header-* per POST / none', producerHeaders, producer, 0.9);
    if (result.baselineWorkers === '1')
      compare(
        row.connections,
        '3 Kafka-Header-* per POST / the baseline build without',
        producerHeaders,
        baseline,
        0.9,
      );
    compare(
      row.connections,
      'this build / the baseline build, no headers',
      sameWorkers,
      baseline,
      0.97,
    );
  }
  return checks;
}

/**
 * The producer against the Spring Boot original it replaces, requests/s in the same run: with
 * its default workers at least 0.95x at one connection (the broker's round trip bounds both)
 * and 1.1x above; with one worker, for comparison.
 */
export function springChecks(result: ProducerBenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const row of result.rows) {
    const { producer, producerWorkers, producerCores, spring } = row.targets;
    const limit = row.connections === 1 ? 0.95 : 1.1;
    for (const [what, ours] of [
      [`default (${result.defaultWorkers} workers)`, producerWorkers],
      ['1 worker', producer],
      [`${result.cores} workers`, producerCores],
    ] as const) {
      if (!measured(ours.rps, spring.rps)) continue;
      checks.push({
        what: `${row.connections} connections: ${what} / Spring (${rate(ours.rps)} / ${rate(spring.rps)} POST/s, p50 ${n(ours.p50Ms, 2)} / ${n(spring.p50Ms, 2)} ms, ${spread(ours, spring)}; CPU ${n(ours.cpuMsPerRequest, 3)} / ${n(spring.cpuMsPerRequest, 3)} ms)`,
        value: `${n(ours.rps / spring.rps, 2)}x`,
        limit: `${n(limit, 2)}x`,
        met: ours.rps >= limit * spring.rps,
      });
    }
  }
  return checks;
}

/** The producer section of the bench's printout, as Markdown tables. */
export function formatProducerBench(result: ProducerBenchResult): string {
  const w = result.defaultWorkers;
  const lines = [
    `**Producer on ${result.node}: acknowledged POST /messages per second, p50 / p99 latency**`,
    '',
    `| connections | bare Node echo | bare express echo | express + kafkajs | producer, 1 worker | producer, ${w} workers | raw kafkajs, 1 per send() | raw kafkajs, ${RAW_BATCH} per send() |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...result.rows.map(
      (r) =>
        `| ${r.connections} | ${cell(r.targets.nodeEcho)} | ${cell(r.targets.expressEcho)} | ${cell(r.targets.expressKafkajs)} | ${cell(r.targets.producer)} | ${cell(r.targets.producerWorkers)} | ${rate(r.rawSingle.messagesPerSecond)} msg/s, ${n(r.rawSingle.p50Ms, 2)} / ${n(r.rawSingle.p99Ms, 2)} ms | ${rate(r.rawBatched.messagesPerSecond)} msg/s |`,
    ),
    '',
    `**Producer on ${result.node}: CPU ms per acknowledged request (every process of the server)**`,
    '',
    `| connections | bare Node echo | bare express echo | express + kafkajs | producer, 1 worker | ratio to express echo | producer, ${w} workers |`,
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...result.rows.map((r) => {
      const t = r.targets;
      return `| ${r.connections} | ${n(t.nodeEcho.cpuMsPerRequest, 3)} | ${n(t.expressEcho.cpuMsPerRequest, 3)} | ${n(t.expressKafkajs.cpuMsPerRequest, 3)} | ${n(t.producer.cpuMsPerRequest, 3)} | ${n(t.producer.cpuMsPerRequest / t.expressEcho.cpuMsPerRequest, 2)}x | ${n(t.producerWorkers.cpuMsPerRequest, 3)} |`;
    }),
    '',
    ...machineTable(result),
    ...section(
      `**Record headers and the baseline build on ${result.node}** (${fixedRate() === undefined ? 'requests/s' : 'CPU per request'} ratios, same run)`,
      '| comparison | measured | limit | |',
      headerChecks(result),
      (c) => (c.met ? 'met' : 'MISSED'),
    ),
    ...section(
      `**Against the Spring Boot original on ${result.node}** (requests/s ratios, same run, rounds alternated)`,
      '| comparison | measured | limit | |',
      springChecks(result),
      (c) => (c.met ? 'met' : 'MISSED'),
    ),
    ...section(
      `**Targets on ${result.node}** (same run)`,
      '| target | measured | limit | |',
      producerTargets(result),
      (c) => (c.met ? 'met' : 'MISSED'),
    ),
    ...section(
      `**What the same run allows on ${result.node}**`,
      '| bound | value | target | |',
      producerCeilings(result),
      (c) => (c.met ? 'reachable' : 'out of reach'),
    ),
  ];
  return lines.join('\n');
}
