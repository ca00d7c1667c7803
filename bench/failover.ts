/**
 * The failover figure of `npm run bench`: POST latency and 503s at a steady 1,000 POSTs/s on a
 * three-broker cluster, over a window in which the topic's partition leader is SIGKILLed,
 * beside the same window with no fault, measured in the same run. The producer runs built, as in
 * production. Runs alone too, after `npm run build`:
 * `tsx --conditions=source bench/failover.ts` (BENCH_SECONDS sets the fault window's length).
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { startLocalKafkaCluster } from '@demo-kafka/local-kafka';
import { producerEntryPoint, startServer } from './server-process.js';
import { percentile, sleep } from './stats.js';

const RATE = 1_000;
const TOPIC = 'failover-bench';

/** One window of POSTs at a fixed rate. */
export interface WindowResult {
  readonly posts: number;
  readonly sentPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly unavailable: number;
  /** Answers other than 200 and 503, and failed requests. */
  readonly other: number;
}

export interface FailoverResult {
  readonly rate: number;
  readonly seconds: number;
  readonly steady: WindowResult;
  readonly leaderKilled: WindowResult & { readonly killedAtSecond: number };
}

/** POSTs at `rate` per second for `seconds` from this process; `at(second)` runs once when that second is reached. */
async function postWindow(
  url: string,
  rate: number,
  seconds: number,
  at?: { second: number; run: () => Promise<void> },
): Promise<WindowResult> {
  const tickMs = 10;
  const perTick = rate / (1000 / tickMs);
  const latencies: number[] = [];
  const statuses: number[] = [];
  const inFlight: Array<Promise<void>> = [];
  const started = performance.now();
  let due = 0;
  let sent = 0;
  let fault: Promise<void> | undefined;
  const post = async (body: string): Promise<void> => {
    const begun = performance.now();
    const status = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'text/plain' },
    }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status;
      },
      () => 0,
    );
    latencies.push(performance.now() - begun);
    statuses.push(status);
  };
  while (performance.now() - started < seconds * 1000) {
    if (at && !fault && performance.now() - started >= at.second * 1000) fault = at.run();
    due += perTick;
    while (due >= 1) {
      due -= 1;
      inFlight.push(post(`failover-${sent++}`));
    }
    await sleep(tickMs);
  }
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  await fault;
  return {
    posts: sent,
    sentPerSecond: sent / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    unavailable: statuses.filter((s) => s === 503).length,
    other: statuses.filter((s) => s !== 200 && s !== 503).length,
  };
}

/** Starts a three-broker cluster and the producer (default settings), measures both windows, stops everything. */
export async function failoverBench(
  log: (line: string) => void,
  seconds = 20,
): Promise<FailoverResult> {
  const cluster = await startLocalKafkaCluster({ brokers: 3, log });
  let producer: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    producer = await startServer({
      name: 'producer',
      entryPoint: producerEntryPoint(),
      env: { LOG_LEVEL: 'warn', KAFKA_BINDING_DIR: cluster.bindingDir, TOPIC },
      readyPath: '/readyz',
    });
    const url = `${producer.url}/messages`;
    log(`failover: warm-up and a steady window at ${RATE} POST/s ...`);
    await postWindow(url, RATE, 3);
    const steady = await postWindow(url, RATE, seconds);
    const killedAtSecond = Math.round(seconds / 4);
    log(
      `failover: the partition leader is SIGKILLed ${killedAtSecond} s into a ${seconds} s window ...`,
    );
    const leaderKilled = await postWindow(url, RATE, seconds, {
      second: killedAtSecond,
      run: async () =>
        cluster.node(await cluster.leaderOf(`${cluster.user.topicPrefix}${TOPIC}`)).kill(),
    });
    return { rate: RATE, seconds, steady, leaderKilled: { ...leaderKilled, killedAtSecond } };
  } finally {
    await producer?.stop();
    await cluster.stop();
  }
}

/** Prints the failover table and writes bench/failover-results.json. */
export function reportFailover(result: FailoverResult): void {
  const row = (name: string, w: WindowResult): string =>
    `| ${name} | ${w.sentPerSecond.toFixed(0)} | ${w.p50.toFixed(1)} | ${w.p99.toFixed(1)} | ${w.max.toFixed(0)} | ${w.unavailable} | ${w.other} |`;
  console.log(
    `\nFailover: ${result.rate} POST/s for ${result.seconds} s on 3 brokers (RF 3, min.insync.replicas 2), the partition leader SIGKILLed at ${result.leaderKilled.killedAtSecond} s (baseline: the same window, no fault)`,
  );
  console.log('| window | sent/s | p50 ms | p99 ms | max ms | 503 | other |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  console.log(row('no fault', result.steady));
  console.log(row('leader SIGKILLed', result.leaderKilled));
  writeFileSync(
    new URL('./failover-results.json', import.meta.url),
    `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  reportFailover(
    await failoverBench(
      (line) => console.error(`[bench] ${line}`),
      Number(process.env.BENCH_SECONDS ?? 20),
    ),
  );
}
