/**
 * `npm run bench:fan-out`: only the consumer fan-out part of `npm run bench` (a few minutes),
 * with its own broker. Prints the tables and writes bench/fan-out-results.json.
 * FAN_OUT_STEPS=1000,5000 shortens the ramp. BENCH_SECONDS sets each step's measurement (default 3); CONSUMER_NODE_ARGS adds node flags
 * to the consumer; CONSUMER_BEFORE_DIR=<a checkout with node_modules> runs its consumer too, for
 * a before/after in one run, and FAN_OUT_ROUNDS=N (with it) alternates the two consumers' ladders N times each; FAN_OUT_HEAP_SNAPSHOTS=1000,10000 signals the consumer for heap
 * snapshots after those steps (start it with --heapsnapshot-signal=SIGUSR2); FAN_OUT_CONSUMER_ONLY=1
 * skips the baselines and the mixed run (for profiling). (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { writeFileSync } from 'node:fs';
import { startLocalKafka } from '@demo-kafka/local-kafka';
import { consumerFanOut, fanOutTables } from './consumer-fan-out.js';

const log = (line: string): void => console.error(`[bench] ${line}`);
const kafka = await startLocalKafka({ log });
try {
  const result = await consumerFanOut({
    bindingDir: kafka.bindingDir,
    seconds: Number(process.env.BENCH_SECONDS ?? 3),
    log,
    beforeDir: process.env.CONSUMER_BEFORE_DIR,
    consumerOnly: process.env.FAN_OUT_CONSUMER_ONLY === '1',
    heapSnapshotsAt: process.env.FAN_OUT_HEAP_SNAPSHOTS?.split(',').map(Number),
    steps: process.env.FAN_OUT_STEPS?.split(',').map(Number),
    rounds: Number(process.env.FAN_OUT_ROUNDS ?? 1),
    consumerNodeArgs: (process.env.CONSUMER_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
  });
  writeFileSync(
    new URL('./fan-out-results.json', import.meta.url),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...result }, null, 2)}\n`,
  );
  console.log(`\n${fanOutTables(result).join('\n')}`);
} finally {
  await kafka.stop();
}
