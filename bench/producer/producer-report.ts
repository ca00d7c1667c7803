import type { ProducerBenchResult, ProducerRow, TargetFigures } from './producer-bench.js';
import { RAW_BATCH } from './producer-bench.js';

const n = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const rate = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-');
const cell = (t: TargetFigures): string => `${rate(t.rps)}/s, ${n(t.p50Ms, 2)} / ${n(t.p99Ms, 2)} ms${t.failed > 0 ? ` (${t.failed} failed)` : ''}`;

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
  const at = (connections: number): ProducerRow | undefined => result.rows.find((r) => r.connections === connections);
  const one = at(1);
  if (one) {
    const limit = one.targets.expressEcho.p50Ms + one.rawSingle.p50Ms + 0.05;
    checks.push({ what: '1 connection: producer p50 <= express echo p50 + raw kafkajs p50 + 0.05 ms', value: `${n(one.targets.producer.p50Ms, 3)} ms`, limit: `${n(limit, 3)} ms`, met: one.targets.producer.p50Ms <= limit });
  }
  const many = at(128);
  if (many) {
    const { producer, producerWorkers, expressEcho } = many.targets;
    checks.push({ what: '128 connections, 1 worker: requests/s >= 0.85x express echo', value: `${n(producer.rps / expressEcho.rps, 2)}x`, limit: '0.85x', met: producer.rps >= 0.85 * expressEcho.rps });
    checks.push({ what: '128 connections, 1 worker: CPU per POST <= 1.25x express echo', value: `${n(producer.cpuMsPerRequest / expressEcho.cpuMsPerRequest, 2)}x`, limit: '1.25x', met: producer.cpuMsPerRequest <= 1.25 * expressEcho.cpuMsPerRequest });
    checks.push({ what: `128 connections, default workers (${result.defaultWorkers}): requests/s >= 1.4x express echo`, value: `${n(producerWorkers.rps / expressEcho.rps, 2)}x`, limit: '1.4x', met: producerWorkers.rps >= 1.4 * expressEcho.rps });
  }
  return checks;
}

/** The producer section of the bench's printout, as Markdown tables. */
export function formatProducerBench(result: ProducerBenchResult): string {
  const w = result.defaultWorkers;
  const lines = [
    `**Producer on ${result.node}: acknowledged POST /messages per second, p50 / p99 latency**`,
    '',
    `| connections | bare Node echo | bare express echo | producer, 1 worker | producer, ${w} workers | raw kafkajs, 1 per send() | raw kafkajs, ${RAW_BATCH} per send() |`,
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...result.rows.map((r) =>
      `| ${r.connections} | ${cell(r.targets.nodeEcho)} | ${cell(r.targets.expressEcho)} | ${cell(r.targets.producer)} | ${cell(r.targets.producerWorkers)} | ${rate(r.rawSingle.messagesPerSecond)} msg/s, ${n(r.rawSingle.p50Ms, 2)} / ${n(r.rawSingle.p99Ms, 2)} ms | ${rate(r.rawBatched.messagesPerSecond)} msg/s |`),
    '',
    `**Producer on ${result.node}: CPU ms per acknowledged request (every process of the server)**`,
    '',
    `| connections | bare Node echo | bare express echo | producer, 1 worker | ratio to express | producer, ${w} workers |`,
    '|---:|---:|---:|---:|---:|---:|',
    ...result.rows.map((r) => {
      const t = r.targets;
      return `| ${r.connections} | ${n(t.nodeEcho.cpuMsPerRequest, 3)} | ${n(t.expressEcho.cpuMsPerRequest, 3)} | ${n(t.producer.cpuMsPerRequest, 3)} | ${n(t.producer.cpuMsPerRequest / t.expressEcho.cpuMsPerRequest, 2)}x | ${n(t.producerWorkers.cpuMsPerRequest, 3)} |`;
    }),
    '',
    `**Targets on ${result.node}** (same run)`,
    '',
    '| target | measured | limit | |',
    '|---|---:|---:|---|',
    ...producerTargets(result).map((c) => `| ${c.what} | ${c.value} | ${c.limit} | ${c.met ? 'met' : 'MISSED'} |`),
  ];
  return lines.join('\n');
}
