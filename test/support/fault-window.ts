import { steadyPosts, type PostOutcome } from './steady-posts.js';
import type { ResumingStream } from './resuming-stream.js';
import { waitFor } from './wait-for.js';

/** What a fault did to the POSTs and the stream, for assertions and the figures in the log. */
export interface FaultReport {
  readonly name: string;
  readonly posts: number;
  readonly ok: number;
  /** 503 answers, and the longest any of them waited. */
  readonly unavailable: number;
  readonly longest503Ms: number;
  /** Answers other than 200 and 503, and requests cut after the give-up time (hangs). */
  readonly other: readonly PostOutcome[];
  readonly slowestMs: number;
  /** From the first to the last 503 (0 when there was none). */
  readonly unavailableWindowMs: number;
  /** Acknowledged values the stream did not deliver exactly once. */
  readonly notExactlyOnce: readonly string[];
  /** Values of this window the stream delivered more than once (503'd ones included). */
  readonly duplicates: readonly string[];
  readonly reconnects: number;
  /** The longest an acknowledged value took to reach the stream after its 200. */
  readonly longestStreamLagMs: number;
  /** From the cluster being whole again to both apps being ready. */
  readonly readyAfterWholeMs: number;
  /** Every POST of the window, in the order they were sent. */
  readonly outcomes: readonly PostOutcome[];
}

export interface FaultWindowOptions {
  readonly name: string;
  readonly producerUrl: string;
  readonly stream: ResumingStream;
  /** Both apps ready (readiness as /readyz reports it). */
  readonly ready: () => boolean;
  readonly intervalMs: number;
  readonly produceTimeoutMs: number;
  /** Does the damage and the repair; resolves once the cluster has been told to be whole again. */
  readonly fault: () => Promise<void>;
  /** Resolves once the cluster is whole (every node up, every replica in sync). */
  readonly whole: () => Promise<void>;
}

/**
 * Runs `fault` under a steady stream of POSTs, waits for the cluster to be whole and both apps
 * to be ready, lets a few more POSTs through, then waits until the stream has delivered every
 * acknowledged value and reports what happened.
 */
export async function faultWindow(options: FaultWindowOptions): Promise<FaultReport> {
  const { name, stream } = options;
  const reconnectsBefore = stream.reconnects();
  const load = steadyPosts(
    `${options.producerUrl}/messages`,
    name,
    options.intervalMs,
    options.produceTimeoutMs + 5_000,
  );
  let readyAfterWholeMs = 0;
  let outcomes: PostOutcome[] = [];
  try {
    await waitFor(
      () => load.acknowledged().length >= 10,
      15_000,
      () => `no POST of ${name} acknowledged before the fault`,
    );
    await options.fault();
    await options.whole();
    const whole = Date.now();
    await waitFor(
      options.ready,
      15_000,
      () => 'the apps were not ready within 15 s of the cluster being whole',
    );
    readyAfterWholeMs = Date.now() - whole;
    const ackedBefore = load.acknowledged().length;
    await waitFor(
      () => load.acknowledged().length >= ackedBefore + 10,
      15_000,
      () => `POSTs of ${name} not acknowledged after the cluster was whole`,
    );
  } finally {
    // Also when a step failed: the POSTs must not go on into the next scenario.
    outcomes = await load.stop();
  }

  const acknowledged = outcomes.filter((o) => o.status === 200).map((o) => o.value);
  const ours = (): string[] =>
    stream
      .events()
      .map((e) => e.data)
      .filter((d) => d.startsWith(`${name}-`));
  const wanted = new Set(acknowledged);
  await waitFor(
    () => new Set(ours().filter((d) => wanted.has(d))).size >= wanted.size,
    30_000,
    () => `${name}: the stream has ${ours().length} of ${wanted.size} acknowledged values`,
  );
  const counts = new Map<string, number>();
  for (const value of ours()) counts.set(value, (counts.get(value) ?? 0) + 1);
  const unavailable = outcomes.filter((o) => o.status === 503);
  return {
    name,
    posts: outcomes.length,
    ok: acknowledged.length,
    unavailable: unavailable.length,
    longest503Ms: Math.max(0, ...unavailable.map((o) => o.ms)),
    other: outcomes.filter((o) => o.status !== 200 && o.status !== 503),
    slowestMs: Math.max(0, ...outcomes.map((o) => o.ms)),
    unavailableWindowMs:
      unavailable.length === 0
        ? 0
        : Math.max(...unavailable.map((o) => o.startedAt + o.ms)) -
          Math.min(...unavailable.map((o) => o.startedAt)),
    notExactlyOnce: acknowledged.filter((value) => counts.get(value) !== 1),
    duplicates: [...counts].filter(([, count]) => count > 1).map(([value]) => value),
    reconnects: stream.reconnects() - reconnectsBefore,
    longestStreamLagMs: Math.max(
      0,
      ...outcomes
        .filter((o) => o.status === 200)
        .map((o) => (stream.arrivedAt(o.value) ?? Number.NaN) - (o.startedAt + o.ms)),
    ),
    readyAfterWholeMs,
    outcomes,
  };
}
