/**
 * `npm run bench`: starts the local broker and both apps, measures them beside baselines taken
 * in the same run, prints tables and writes bench/results.json. Not part of `npm test`.
 * BENCH_SECONDS: length of each measurement (default 5). BENCH_REPEATS: alternating rounds of
 * the producer section (default 3). BENCH_SECTIONS: which sections run (default
 * `producer,batch,tracing,latency,fan-out,catch-up,auth,idempotency,failover`; `batch` is NDJSON batches over one connection; `tracing` is the producer with OpenTelemetry on; `catch-up` is resumes from further back than the replay buffer, read from Kafka, with its own CATCH_UP_* variables: see consumer-catch-up.ts; `auth` is both apps with access tokens on beside off: see auth-cost.ts; `idempotency` is the producer's POSTs with an Idempotency-Key beside without: see idempotency-cost.ts). BENCH_NODES: the Node majors the producer section runs on
 * (default: the image's, then the machine's). BENCH_CONNECTIONS: its concurrencies.
 * BENCH_BASELINE: another build of the producer measured beside this one (a built checkout, or a
 * commit built once beside it; see producer/baseline-build.ts), with one worker or, with
 * BENCH_BASELINE_WORKERS=default, its default count. BENCH_TARGETS: the producer
 * section's targets (default all; `raw` for the raw kafkajs baselines). BENCH_SPRING_JAR: the
 * Spring Boot original's jar (making/demo-kafka-producer, `mvn -DskipTests package`), measured
 * beside the producer in its section (see producer/spring-original.ts). BENCH_RATE: a fixed load
 * of that many POSTs/s (autocannon `-R`) instead of as many as the server answers; the builds are
 * then compared by CPU per request. The auth section's sizes: BENCH_AUTH_RATE (its producer's fixed
 * load; default BENCH_RATE, else 6000 POSTs/s), BENCH_AUTH_CONNECTIONS (128), BENCH_AUTH_CLIENTS
 * (the consumer's streams per figure, 5000). The idempotency section's: BENCH_IDEMPOTENCY_RATE
 * (default BENCH_RATE, else 2000 POSTs/s) over BENCH_IDEMPOTENCY_CONNECTIONS (64).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { kafkaVersion, startLocalKafka } from '@demo-kafka/local-kafka';
import { authCost, formatAuthCost, type AuthCostResult } from './auth-cost.js';
import {
  formatIdempotencyCost,
  idempotencyCost,
  type IdempotencyCostResult,
} from './idempotency-cost.js';
import { catchUpTables, consumerCatchUp, type ConsumerCatchUpResult } from './consumer-catch-up.js';
import { consumerFanOut, fanOutTables, type ConsumerFanOutResult } from './consumer-fan-out.js';
import { failoverBench, reportFailover } from './failover.js';
import { postToSseLatency, rawKafkaLatency, type LatencyResult } from './latency.js';
import { baselineCheckout } from './producer/baseline-build.js';
import { batchBench, formatBatchBench, type BatchBenchResult } from './producer/batch-bench.js';
import { fixedRate, loadGenerator } from './producer/http-load.js';
import { nodeBinaries } from './producer/node-binaries.js';
import { producerBench, type ProducerBenchResult } from './producer/producer-bench.js';
import { formatProducerBench } from './producer/producer-report.js';
import { formatTracingCost, tracingCost, type TracingCostResult } from './producer/tracing-cost.js';
import { producerEntryPoint, startServer } from './server-process.js';
import { ratio } from './stats.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const sections = new Set(
  (
    process.env.BENCH_SECTIONS ??
    'producer,batch,tracing,latency,fan-out,catch-up,auth,idempotency,failover'
  )
    .split(',')
    .map((s) => s.trim()),
);
const connections = (process.env.BENCH_CONNECTIONS ?? '1,16,128').split(',').map(Number);
const cleanups: Array<() => unknown> = [];
const log = (line: string): void => console.error(`[bench] ${line}`);

/** An app built, as production runs it (`node apps/<app>/dist/main.js`, default settings). */
async function startBuilt(
  name: 'producer' | 'consumer',
  env: Record<string, string>,
): Promise<{ url: string }> {
  const entryPoint = name === 'producer' ? producerEntryPoint() : 'apps/consumer/dist/main.js';
  const server = await startServer({
    name,
    node: process.execPath,
    entryPoint,
    env,
    readyPath: '/readyz',
  });
  cleanups.push(server.stop);
  return server;
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

interface Section<R> {
  readonly result: R;
  readonly table: string;
}

/** The producer beside its baselines, on each Node binary (see bench/producer). */
async function producerSection(
  bindingDir: string,
  topic: string,
  brokerPid: () => number | undefined,
): Promise<Section<ProducerBenchResult[]>> {
  const results: ProducerBenchResult[] = [];
  const baselineDir = baselineCheckout(log);
  for (const node of nodeBinaries()) {
    log(`producer throughput on ${node.label} (${node.version}) ...`);
    results.push(
      await producerBench({
        node,
        bindingDir,
        topic: `${topic}-http`,
        brokerPid,
        connections,
        seconds,
        repeats,
        log,
        baselineDir,
      }),
    );
  }
  const head = `Load: ${await loadGenerator()}, 24-byte text/plain POSTs, ${seconds} s per figure, medians of ${repeats} alternating rounds`;
  return { result: results, table: [head, ...results.map(formatProducerBench)].join('\n\n') };
}

/** Batches over one connection beside the raw kafkajs producer and the single POST. */
async function batchSection(bindingDir: string, topic: string): Promise<Section<BatchBenchResult>> {
  const [node] = nodeBinaries();
  if (!node) throw new Error('no Node binary for the batch section');
  log(`producer batches on ${node.label} ...`);
  const result = await batchBench({
    node,
    bindingDir,
    topic: `${topic}-batch`,
    seconds,
    repeats,
    log,
  });
  return { result, table: formatBatchBench(result) };
}

/** The producer with tracing on and exported to a local OTLP receiver, beside tracing off, at 1 and 128 connections. */
async function tracingSection(
  bindingDir: string,
  topic: string,
): Promise<Section<TracingCostResult>> {
  const [node] = nodeBinaries();
  if (!node) throw new Error('no Node binary for the tracing section');
  log(`producer tracing cost on ${node.label} ...`);
  const result = await tracingCost({
    node,
    bindingDir,
    topic: `${topic}-traced`,
    connections: [1, 128],
    seconds,
    repeats,
    log,
  });
  return { result, table: formatTracingCost(result, seconds, repeats) };
}

type LatencyRow = { rate: number; clients: number; app: LatencyResult; rawKafka: LatencyResult };

/** POST -> SSE event latency at fixed rates, beside kafkajs producer -> kafkajs consumer. */
async function latencySection(
  appEnv: Record<string, string>,
  bindingDir: string,
  topic: string,
): Promise<Section<LatencyRow[]>> {
  log('POST -> SSE latency ...');
  const producer = await startBuilt('producer', appEnv);
  const consumer = await startBuilt('consumer', appEnv);
  const latency: LatencyRow[] = [];
  for (const rate of [100, 1000]) {
    const rawKafka = await rawKafkaLatency(bindingDir, `${topic}-lat`, rate, seconds);
    for (const clients of [1, 100]) {
      latency.push({
        rate,
        clients,
        app: await postToSseLatency(producer.url, consumer.url, rate, clients, seconds),
        rawKafka,
      });
    }
  }
  const table = [
    'End to end: POST -> SSE event latency, ms (baseline: kafkajs producer -> kafkajs consumer, no HTTP)',
    '| rate/s (achieved) | SSE clients | p50 | p95 | p99 | delivered | raw Kafka p50 | p99 | p99 ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...latency.map(
      (l) =>
        `| ${l.rate} (${fmt(l.app.sentPerSecond)}) | ${l.clients} | ${fmt(l.app.p50, 1)} | ${fmt(l.app.p95, 1)} | ${fmt(l.app.p99, 1)} | ${(l.app.delivered * 100).toFixed(1)}% | ${fmt(l.rawKafka.p50, 1)} | ${fmt(l.rawKafka.p99, 1)} | ${ratio(l.app.p99, l.rawKafka.p99)} |`,
    ),
  ].join('\n');
  return { result: latency, table };
}

/** SSE clients one consumer process holds, beside a bare Node SSE server and the stack floor (see consumer-fan-out.ts). */
async function fanOutSection(bindingDir: string): Promise<Section<ConsumerFanOutResult>> {
  log('fan-out ...');
  const result = await consumerFanOut({
    bindingDir,
    seconds: Math.max(3, Math.round(seconds / 2)),
    log,
  });
  return { result, table: fanOutTables(result).join('\n') };
}

/** Resumes older than the replay buffer, served from Kafka, beside live clients (see consumer-catch-up.ts). */
async function catchUpSection(bindingDir: string): Promise<Section<ConsumerCatchUpResult>> {
  log('catch-up ...');
  const result = await consumerCatchUp({ bindingDir, seconds, log });
  return { result, table: catchUpTables(result).join('\n') };
}

/** Both apps with access tokens on beside off: producer CPU per POST at a fixed rate, consumer connects/s (see auth-cost.ts). */
async function authSection(bindingDir: string, topic: string): Promise<Section<AuthCostResult>> {
  const [node] = nodeBinaries();
  if (!node) throw new Error('no Node binary for the auth section');
  log(`access tokens on ${node.label} ...`);
  const result = await authCost({
    node,
    bindingDir,
    topic: `${topic}-auth`,
    seconds,
    repeats,
    rate: Number(process.env.BENCH_AUTH_RATE ?? fixedRate() ?? 6000),
    connections: Number(process.env.BENCH_AUTH_CONNECTIONS ?? 128),
    clients: Number(process.env.BENCH_AUTH_CLIENTS ?? 5000),
    log,
  });
  return { result, table: formatAuthCost(result) };
}

/** The producer's POSTs with a new Idempotency-Key each beside without, at a fixed rate (see idempotency-cost.ts). */
async function idempotencySection(
  bindingDir: string,
  topic: string,
): Promise<Section<IdempotencyCostResult>> {
  const [node] = nodeBinaries();
  if (!node) throw new Error('no Node binary for the idempotency section');
  log(`idempotency keys on ${node.label} ...`);
  const result = await idempotencyCost({
    node,
    bindingDir,
    topic: `${topic}-idempotency`,
    seconds,
    repeats,
    rate: Number(process.env.BENCH_IDEMPOTENCY_RATE ?? fixedRate() ?? 2000),
    connections: Number(process.env.BENCH_IDEMPOTENCY_CONNECTIONS ?? 64),
    log,
  });
  return { result, table: formatIdempotencyCost(result) };
}

log('building the apps (npm run build) ...');
execFileSync('npm', ['run', '-s', 'build'], { cwd: repo, stdio: 'inherit' });
const kafka = await startLocalKafka({ log });
try {
  const topic = `bench-${randomUUID()}`;
  const appEnv = {
    KAFKA_BINDING_DIR: kafka.bindingDir,
    TOPIC: topic,
    MAX_CLIENTS: '20000',
    // Every load-generator client comes from this host's address: no per-client quota.
    MAX_CLIENT_STREAMS: '0',
    REPLAY_SIZE: '1000',
  };
  const producer = sections.has('producer')
    ? await producerSection(kafka.bindingDir, topic, () => kafka.pid)
    : undefined;
  const batch = sections.has('batch') ? await batchSection(kafka.bindingDir, topic) : undefined;
  const tracing = sections.has('tracing')
    ? await tracingSection(kafka.bindingDir, topic)
    : undefined;
  const latency = sections.has('latency')
    ? await latencySection(appEnv, kafka.bindingDir, topic)
    : undefined;
  const fan = sections.has('fan-out') ? await fanOutSection(kafka.bindingDir) : undefined;
  const catchUp = sections.has('catch-up') ? await catchUpSection(kafka.bindingDir) : undefined;
  const auth = sections.has('auth') ? await authSection(kafka.bindingDir, topic) : undefined;
  const idempotency = sections.has('idempotency')
    ? await idempotencySection(kafka.bindingDir, topic)
    : undefined;

  const kafkajsVersion = (
    JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as { version: string }
  ).version;
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    kafka: kafkaVersion(),
    kafkajs: kafkajsVersion,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    secondsPerMeasurement: seconds,
  };
  writeFileSync(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ meta, producer: producer?.result, batch: batch?.result, tracing: tracing?.result, latency: latency?.result, fanOut: fan?.result, catchUp: catchUp?.result, auth: auth?.result, idempotency: idempotency?.result }, null, 2)}\n`,
  );

  console.log(
    `\nBench on Node ${meta.node}, Kafka ${meta.kafka}, kafkajs ${meta.kafkajs}, ${meta.cores} cores, ${meta.memoryGiB} GiB\n`,
  );
  for (const section of [producer, batch, tracing, latency, fan, catchUp, auth, idempotency])
    if (section) console.log(`${section.table}\n`);
  console.log('Written to bench/results.json');
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await kafka.stop();
}
// Its own three-broker cluster, after the single broker has stopped.
if (sections.has('failover')) reportFailover(await failoverBench(log, Math.max(20, seconds * 4)));
