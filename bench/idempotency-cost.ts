/**
 * The `idempotency` section of `npm run bench`: what an `Idempotency-Key` costs a POST
 * (docs/idempotency.md). One built producer (WORKERS=1, its defaults otherwise), loaded at a
 * fixed rate by autocannon in a process of its own (http-load.ts), without the header and with a
 * new key in every request (autocannon's id replacement), the two alternating over the rounds.
 * CPU of the producer's processes per acknowledged POST from /proc; figures are medians, beside
 * each round's ratio with / without, which cancels what drifts between rounds.
 */
import { atFixedRate, httpLoad, type LoadHeaders, UNIQUE_ID } from './producer/http-load.js';
import type { NodeBinary } from './producer/node-binaries.js';
import {
  fixedRateFigures,
  measure,
  type FixedRateFigures,
  type Sample,
} from './producer/producer-bench.js';
import { producerEntryPoint, startServer } from './server-process.js';
import { claimsIndexMemory, type ClaimsIndexMemory } from './claims-index-memory.js';

/** The goal printed beside the figures: CPU per POST with a key over without. */
export const IDEMPOTENCY_GOAL = { cpuPerPost: 1.3 } as const;

export interface IdempotencyCostOptions {
  readonly node: NodeBinary;
  readonly bindingDir: string;
  readonly topic: string;
  readonly seconds: number;
  readonly repeats: number;
  readonly rate: number;
  readonly connections: number;
  readonly log: (line: string) => void;
}

export type IdempotencyFigures = FixedRateFigures;

export interface IdempotencyCostResult {
  readonly node: string;
  readonly rate: number;
  readonly connections: number;
  readonly seconds: number;
  readonly without: IdempotencyFigures;
  readonly with: IdempotencyFigures;
  /** Median CPU per POST with / without. */
  readonly cpuRatio: number;
  readonly cpuRatioRounds: readonly number[];
  /** The heap a key takes in every replica's claims index (this process, not the producer's). */
  readonly index: ClaimsIndexMemory;
}

type Condition = 'without' | 'with';
const HEADERS: Record<Condition, LoadHeaders> = {
  without: {},
  with: { 'Idempotency-Key': UNIQUE_ID },
};

/** Without then with in even rounds, with then without in odd ones. */
const orderOf = (round: number): readonly Condition[] =>
  round % 2 === 0 ? ['without', 'with'] : ['with', 'without'];

/** The producer's CPU per POST with an `Idempotency-Key` beside without, at a fixed rate. */
export async function idempotencyCost(
  options: IdempotencyCostOptions,
): Promise<IdempotencyCostResult> {
  const { node, seconds, connections, rate } = options;
  const server = await startServer({
    name: 'producer',
    node: node.path,
    entryPoint: producerEntryPoint(),
    env: { KAFKA_BINDING_DIR: options.bindingDir, TOPIC: options.topic, WORKERS: '1' },
    readyPath: '/readyz',
  });
  try {
    const url = `${server.url}/messages`;
    const samples: Record<Condition, Sample[]> = { without: [], with: [] };
    await atFixedRate(rate, async () => {
      // Warm-up, not counted: JIT, and the claims topic created and read.
      for (const which of ['without', 'with'] as const)
        await httpLoad(url, connections, 2, HEADERS[which]);
      for (let round = 0; round < options.repeats; round++) {
        options.log(
          `${node.label}: idempotency, producer at ${rate} POSTs/s, ${connections} connections, round ${round + 1} of ${options.repeats}`,
        );
        for (const which of orderOf(round))
          samples[which].push(
            await measure(
              server,
              '/messages',
              connections,
              seconds,
              () => undefined,
              HEADERS[which],
            ),
          );
      }
    });
    const without = fixedRateFigures(samples.without);
    const withKey = fixedRateFigures(samples.with);
    return {
      node: node.label,
      rate,
      connections,
      seconds,
      without,
      with: withKey,
      cpuRatio: withKey.cpuMsPerPost / without.cpuMsPerPost,
      cpuRatioRounds: withKey.cpuMsRounds.map((v, i) => v / (without.cpuMsRounds[i] ?? 0)),
      index: claimsIndexMemory(),
    };
  } finally {
    await server.stop();
  }
}

/** The section's table, in Markdown. */
export function formatIdempotencyCost(r: IdempotencyCostResult): string {
  const row = (name: string, f: IdempotencyFigures): string =>
    `| ${name} | ${f.rps.toFixed(0)} | ${f.p99Ms.toFixed(1)} | ${f.cpuMsPerPost.toFixed(3)} | ${f.failed} |`;
  return [
    `Producer on ${r.node}, WORKERS=1, ${r.rate} POSTs/s over ${r.connections} connections, ${r.seconds} s a round`,
    '',
    '| POST | POSTs/s | p99 ms | CPU ms / POST | failed |',
    '|---|---:|---:|---:|---:|',
    row('without Idempotency-Key', r.without),
    row('with a new Idempotency-Key each', r.with),
    '',
    `CPU per POST with / without: ${r.cpuRatio.toFixed(2)}x (rounds: ${r.cpuRatioRounds.map((x) => x.toFixed(2)).join(', ')}; goal at most ${IDEMPOTENCY_GOAL.cpuPerPost}x)`,
    '',
    `Heap per key held in the claims index (${r.index.keys} written keys): ${r.index.ownBytesPerKey.toFixed(0)} bytes from this replica's own records, ${r.index.readBackBytesPerKey.toFixed(0)} bytes from records read back`,
  ].join('\n');
}
