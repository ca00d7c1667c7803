/**
 * `npm run bench`: starts the local broker and both apps, measures them beside baselines taken
 * in the same run, prints a table and writes bench/results.json. Not part of `npm test`.
 * BENCH_SECONDS shortens or lengthens each measurement (default 5).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { freePort, kafkaVersion, startLocalKafka } from '@demo-kafka/local-kafka';
import { startEchoServer } from './echo-server.js';
import { failoverBench, reportFailover } from './failover.js';
import { fanOut, type FanOutResult } from './fan-out.js';
import { postsPerSecond } from './http-load.js';
import { postToSseLatency, rawKafkaLatency, type LatencyResult } from './latency.js';
import { rawKafkajsPerSecond } from './raw-kafkajs.js';
import { ratio, sleep } from './stats.js';
import { sourceProcessArgs } from '../scripts/source-process.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const children: ChildProcess[] = [];
const log = (line: string): void => console.error(`[bench] ${line}`);

/** Starts a script from source on a free port and waits until `readyPath` answers 200. */
async function start(script: string, env: Record<string, string>, readyPath: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, sourceProcessArgs(script), {
    cwd: repo,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`${url}${readyPath}`).then((r) => r.ok, () => false);
    if (ok) return { url, child };
    await sleep(100);
  }
  throw new Error(`${script} was not ready within 60 s`);
}

async function rssFromMetrics(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const mib = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : '-');

const kafka = await startLocalKafka({ log });
try {
  const topic = `bench-${randomUUID()}`;
  const appEnv = { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC: topic, MAX_CLIENTS: '20000', REPLAY_SIZE: '1000' };
  const producer = await start('apps/producer/src/main.ts', appEnv, '/readyz');
  const consumer = await start('apps/consumer/src/main.ts', appEnv, '/readyz');
  const echo = await startEchoServer();

  log('producer throughput ...');
  const throughput = [];
  for (const connections of [1, 16, 128]) {
    const bare = await postsPerSecond(echo.url, connections, seconds);
    const app = await postsPerSecond(`${producer.url}/messages`, connections, seconds);
    const raw = await rawKafkajsPerSecond(kafka.bindingDir, `${topic}-raw`, connections, seconds);
    throughput.push({ connections, producer: app.rps, non2xx: app.non2xx, errors: app.errors, bareHttpEcho: bare.rps, rawKafkajs: raw });
  }
  echo.server.close();

  log('POST -> SSE latency ...');
  const latency: Array<{ rate: number; clients: number; app: LatencyResult; rawKafka: LatencyResult }> = [];
  for (const rate of [100, 1000]) {
    const rawKafka = await rawKafkaLatency(kafka.bindingDir, `${topic}-lat`, rate, seconds);
    for (const clients of [1, 100]) {
      latency.push({ rate, clients, app: await postToSseLatency(producer.url, consumer.url, rate, clients, seconds), rawKafka });
    }
  }

  log('fan-out ...');
  // A consumer of its own on a fresh topic: the ramp measures fan-out, not 1,000-record replays
  // to each new client (which the latency runs above would have left in the buffer).
  const fanConsumer = await start('apps/consumer/src/main.ts', { ...appEnv, TOPIC: `${topic}-fan` }, '/readyz');
  const fanProducer = await start('apps/producer/src/main.ts', { ...appEnv, TOPIC: `${topic}-fan` }, '/readyz');
  const steps = [100, 500, 1000, 2000, 4000, 6000];
  const fanSeconds = Math.max(3, Math.round(seconds / 2));
  const appFanOut: FanOutResult = await fanOut({
    postUrl: `${fanProducer.url}/messages`,
    streamUrl: `${fanConsumer.url}/messages`,
    rss: () => rssFromMetrics(fanConsumer.url),
    steps,
    seconds: fanSeconds,
  });
  const bare = await start('bench/bare-sse-server.ts', {}, '/rss');
  const bareFanOut = await fanOut({
    postUrl: `${bare.url}/messages`,
    streamUrl: `${bare.url}/messages`,
    rss: async () => Number(await (await fetch(`${bare.url}/rss`)).text()),
    steps,
    seconds: fanSeconds,
  });

  const kafkajsVersion = (JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as { version: string }).version;
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    kafka: kafkaVersion(),
    kafkajs: kafkajsVersion,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    secondsPerMeasurement: seconds,
  };
  writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ meta, throughput, latency, fanOut: { app: appFanOut, bareSse: bareFanOut } }, null, 2)}\n`);

  console.log(`\nNode ${meta.node}, Kafka ${meta.kafka}, kafkajs ${meta.kafkajs}, ${meta.cores} cores, ${meta.memoryGiB} GiB; ${seconds} s per figure\n`);
  console.log('Producer: acknowledged POST /messages per second');
  console.log('| concurrency | producer | bare HTTP echo | ratio | raw kafkajs send() | ratio |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const t of throughput) {
    console.log(`| ${t.connections} | ${fmt(t.producer)} | ${fmt(t.bareHttpEcho)} | ${ratio(t.producer, t.bareHttpEcho)} | ${fmt(t.rawKafkajs)} | ${ratio(t.producer, t.rawKafkajs)} |`);
  }
  console.log('\nEnd to end: POST -> SSE event latency, ms (baseline: kafkajs producer -> kafkajs consumer, no HTTP)');
  console.log('| rate/s (achieved) | SSE clients | p50 | p95 | p99 | delivered | raw Kafka p50 | p99 | p99 ratio |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const l of latency) {
    console.log(
      `| ${l.rate} (${fmt(l.app.sentPerSecond)}) | ${l.clients} | ${fmt(l.app.p50, 1)} | ${fmt(l.app.p95, 1)} | ${fmt(l.app.p99, 1)} | ${(l.app.delivered * 100).toFixed(1)}% | ${fmt(l.rawKafka.p50, 1)} | ${fmt(l.rawKafka.p99, 1)} | ${ratio(l.app.p99, l.rawKafka.p99)} |`,
    );
  }
  console.log('\nFan-out at 10 messages/s: clients held with p99 delivery < 1 s (baseline: bare Node SSE server, no Kafka)');
  console.log('| clients | consumer p99 ms | consumer RSS | bare SSE p99 ms | bare RSS |');
  console.log('|---:|---:|---:|---:|---:|');
  steps.forEach((clients, i) => {
    const a = appFanOut.steps[i];
    const b = bareFanOut.steps[i];
    if (a || b) console.log(`| ${clients} | ${fmt(a?.p99 ?? Number.NaN, 1)} | ${fmt((a?.rssBytes ?? Number.NaN) / 2 ** 20, 1)} MiB | ${fmt(b?.p99 ?? Number.NaN, 1)} | ${fmt((b?.rssBytes ?? Number.NaN) / 2 ** 20, 1)} MiB |`);
  });
  console.log(
    `\nconsumer: ${appFanOut.maxClients} clients (of ${steps.at(-1)} tried), ${mib(appFanOut.rssPerClientBytes)} RSS per client; ` +
      `bare SSE: ${bareFanOut.maxClients} clients, ${mib(bareFanOut.rssPerClientBytes)} per client; ratio ${ratio(appFanOut.rssPerClientBytes, bareFanOut.rssPerClientBytes)}`,
  );
  console.log('\nWritten to bench/results.json');
} finally {
  for (const child of children) child.kill('SIGTERM');
  await kafka.stop();
}
// Its own three-broker cluster, after the single broker has stopped.
reportFailover(await failoverBench(log, Math.max(20, seconds * 4)));
