import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { Kafka, logLevel } from '@demo-kafka/kafka-client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { createTopicAsAdmin } from '../../../test/support/create-topic.js';
import { spawnApp, type SpawnedApp } from '../../../test/support/spawn-app.js';
import { waitFor } from '../../../test/support/wait-for.js';

const kafka = inject('kafka');

/** 1,000 records of 900 KB in a topic of three partitions. */
const RECORDS = 1000;
const RECORD_BYTES = 900 * 1024;
const PARTITIONS = 3;
/** Streams of each kind: replaying (no id), and resuming with an id of 700 partitions. */
const STREAMS = 100;
/** The manifests' limit and the consumer's Node options, as the Deployment runs it. */
const DEPLOYMENT = deploymentOf('k8s/base/consumer-deployment.yaml');
const RSS_LIMIT_BYTES = DEPLOYMENT.memoryLimitBytes;
const HEALTHZ_LIMIT_MS = 1000;
const HEALTHZ_EVERY_MS = 200;
/** How long the streams are held open once every reading one has had data. */
const HOLD_MS = 10_000;
/** What a slow reader takes from its socket every HEALTHZ_EVERY_MS. */
const SLOW_READ_BYTES = 32 * 1024;

const LINUX = process.platform === 'linux';

/** The consumer container's memory limit (in Mi) and its NODE_OPTIONS, from the manifest. */
function deploymentOf(path: string): { memoryLimitBytes: number; nodeOptions: string } {
  const manifest = parse(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')) as {
    spec: {
      template: {
        spec: {
          containers: {
            env?: { name: string; value?: string }[];
            resources: { limits: { memory: string } };
          }[];
        };
      };
    };
  };
  const [container] = manifest.spec.template.spec.containers;
  const limit = /^(\d+)Mi$/.exec(container?.resources.limits.memory ?? '');
  if (!container || !limit) throw new Error(`${path}: no memory limit in Mi`);
  return {
    memoryLimitBytes: Number(limit[1]) * 2 ** 20,
    nodeOptions: container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '',
  };
}
const ID_OF_700_PARTITIONS = Array.from({ length: 700 }, (_, p) => `${p}:1`).join(',');

/** The process's resident set now, and the most it has been (kB in /proc, as bytes). */
function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  if (!LINUX) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined; // the process is gone
  }
}

/** Polls /healthz every HEALTHZ_EVERY_MS and the process's memory with it, until stopped. */
function watch(app: SpawnedApp) {
  let stopped = false;
  let polls = 0;
  let slowestMs = 0;
  let maxRss = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      try {
        const res = await fetch(`${app.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
        await res.text();
        if (res.status !== 200) failures.push(`/healthz answered ${res.status}`);
      } catch (error) {
        failures.push(`/healthz: ${String(error)}`);
      }
      const ms = performance.now() - started;
      polls++;
      slowestMs = Math.max(slowestMs, ms);
      const memory = app.child.pid === undefined ? undefined : memoryOf(app.child.pid);
      if (memory) maxRss = Math.max(maxRss, memory.rss);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, HEALTHZ_EVERY_MS - ms)));
    }
  })();
  return {
    report: () => ({ polls, slowestMs: Math.round(slowestMs), maxRss, failures: [...failures] }),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** A `GET /messages` on a raw socket: its status once the head is in, and the bytes read so far. */
interface RawStream {
  readonly socket: Socket;
  status(): number | undefined;
  received(): number;
}

/**
 * Opens `GET /messages` and reads the head; then the socket is paused for good (`reading: false`)
 * or read SLOW_READ_BYTES at a time every HEALTHZ_EVERY_MS.
 */
function openRaw(url: string, lastEventId: string | undefined, reading: boolean): RawStream {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let head = '';
  let status: number | undefined;
  let received = 0;
  let slowReads: NodeJS.Timeout | undefined;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    head += chunk.toString('latin1');
    const match = /^HTTP\/1\.1 (\d{3}) [^\r]*\r\n[\s\S]*?\r\n\r\n/.exec(head);
    if (!match) return;
    status = Number(match[1]);
    socket.off('data', onData);
    socket.pause();
    if (reading)
      slowReads = setInterval(() => {
        const chunkRead = socket.read(SLOW_READ_BYTES) ?? socket.read();
        if (chunkRead) received += (chunkRead as Buffer).length;
      }, HEALTHZ_EVERY_MS);
  };
  socket.on('data', onData);
  socket.on('error', () => {}); // a stream the server drops is not this test's failure
  socket.on('close', () => clearInterval(slowReads));
  socket.write(
    `GET /messages HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n` +
      (lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : '') +
      '\r\n',
  );
  return { socket, status: () => status, received: () => received };
}

/** Polls `condition` until it holds or `timeoutMs` pass; whether it held. */
function settles(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  return waitFor(condition, timeoutMs).then(
    () => true,
    () => false,
  );
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

describe(`the consumer process with ${RECORDS} records of ${RECORD_BYTES / 1024} KB and ${2 * STREAMS} slow streams`, () => {
  let app: SpawnedApp | undefined;
  let watcher: ReturnType<typeof watch> | undefined;
  const streams: RawStream[] = [];
  let topic: string | undefined;

  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    for (const stream of streams.splice(0)) stream.socket.destroy();
    app?.kill();
    await app?.exited;
    app = undefined;
    if (topic) {
      // 900 MB the other tests of the run do not need on the broker's disk.
      const admin = new Kafka({ brokers: [kafka.adminBroker], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).finally(() => admin.disconnect());
      topic = undefined;
    }
  });

  it('with default settings answers /healthz within 1 s and stays under 512 MiB of RSS while 100 streams replay and 100 resume with a 700-partition id', async ({
    annotate,
  }) => {
    if (!LINUX)
      await annotate('RSS not checked: it is read from /proc/<pid>/status, which only Linux has');
    const phases: Record<string, number> = {};
    const t0 = performance.now();
    const phase = (name: string): void => {
      phases[name] = Math.round(performance.now() - t0);
    };
    const TOPIC = `replay-memory-${randomUUID()}`;
    const fullTopic = `${kafka.topicPrefix}${TOPIC}`;
    topic = fullTopic;
    await createTopicAsAdmin(kafka.adminBroker, { topic: fullTopic, numPartitions: PARTITIONS });

    // Written through the broker's plaintext listener (no TLS to pay for 900 MB), one record per
    // partition in each request (a record batch may not pass 1 MB), a few requests in flight.
    const producer = new Kafka({
      brokers: [kafka.adminBroker],
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    const producing = performance.now();
    try {
      const filler = 'x'.repeat(RECORD_BYTES);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < RECORDS) {
          const first = next;
          next += PARTITIONS;
          await producer.send({
            topic: fullTopic,
            acks: -1,
            messages: Array.from({ length: Math.min(PARTITIONS, RECORDS - first) }, (_, p) => {
              const label = `${first + p}:`;
              return { partition: p, value: label + filler.slice(label.length) };
            }),
          });
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
    } finally {
      await producer.disconnect();
    }
    const producedMs = Math.round(performance.now() - producing);
    phase('produced');
    await annotate(`produced ${RECORDS} records of ${RECORD_BYTES} bytes in ${producedMs} ms`);

    // Default settings but the topic, with the Node options the Deployment sets (its heap size).
    // The 200 clients stand for 200 users but all come from this host: no per-client quota.
    const started = await spawnApp('consumer', {
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      NODE_OPTIONS: DEPLOYMENT.nodeOptions,
      MAX_CLIENT_STREAMS: '0',
    });
    app = started;
    phase('listening');
    watcher = watch(started);
    const startMemory = started.child.pid ? memoryOf(started.child.pid) : undefined;
    // Its start reads the topic back to fill the replay buffer (up to REPLAY_SIZE a partition).
    await expect
      .poll(() => metric(started.url, 'kafka_records_consumed_total'), {
        timeout: 25_000,
        interval: 250,
      })
      .toBeGreaterThanOrEqual(RECORDS);
    phase('refilled');

    for (let i = 0; i < STREAMS; i++) {
      streams.push(openRaw(started.url, undefined, i % 2 === 0));
      streams.push(openRaw(started.url, ID_OF_700_PARTITIONS, i % 2 === 0));
    }
    const exited = (): boolean =>
      started.child.exitCode !== null || started.child.signalCode !== null;
    const unanswered = (): number => streams.filter((s) => s.status() === undefined).length;
    await settles(() => unanswered() === 0 || exited(), 10_000);
    phase('answered');
    // Soft, as the ones below: the memory and /healthz figures are still taken and checked.
    expect.soft(unanswered(), 'streams that got no answer within 10 s').toBe(0);
    // Replays are not resumes, and 100 resumes are within MAX_CATCH_UPS (100): none is refused.
    const statusesOf = (kind: number): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const [i, s] of streams.entries())
        if (i % 2 === kind) counts[String(s.status())] = (counts[String(s.status())] ?? 0) + 1;
      return counts;
    };
    expect.soft(statusesOf(0), 'replaying streams (no id)').toEqual({ 200: STREAMS });
    expect
      .soft(statusesOf(1), 'streams resuming with a 700-partition id')
      .toEqual({ 200: STREAMS });
    // Every reading stream gets data: the server serves them all, slowly.
    const starved = (): string[] =>
      streams.flatMap((s, i) =>
        i % 4 < 2 && s.status() === 200 && !s.socket.destroyed && s.received() < 128 * 1024
          ? [`${i % 2 === 0 ? 'replaying' : 'resuming'} stream ${i}: ${s.received()} bytes`]
          : [],
      );
    await settles(() => starved().length === 0 || exited(), 15_000);
    phase('reading');
    expect.soft(starved(), 'reading streams that got less than 128 KB within 15 s').toEqual([]);
    // Then they are held open a while longer: an observation window, not a wait for a condition.
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    phase('held');

    await watcher.stop();
    const report = watcher.report();
    const endMemory = started.child.pid ? memoryOf(started.child.pid) : undefined;
    const figures = {
      phases,
      producedMs,
      healthzPolls: report.polls,
      slowestHealthzMs: report.slowestMs,
      rssAtStartMiB: startMemory ? Math.round(startMemory.rss / 2 ** 20) : undefined,
      maxSampledRssMiB: Math.round(report.maxRss / 2 ** 20),
      peakRssMiB: endMemory ? Math.round(endMemory.peak / 2 ** 20) : undefined,
    };
    console.log(`[replay-memory] ${JSON.stringify(figures)}`);

    // All soft, so that a failing run reports every figure.
    expect.soft(started.child.exitCode, started.output().slice(-3000)).toBeNull();
    expect.soft(started.child.signalCode).toBeNull();
    expect.soft(report.failures).toEqual([]);
    expect.soft(report.polls).toBeGreaterThan(HOLD_MS / HEALTHZ_EVERY_MS / 2);
    expect.soft(report.slowestMs, 'slowest /healthz (ms)').toBeLessThan(HEALTHZ_LIMIT_MS);
    if (!LINUX) return; // said at the start
    // VmHWM: the most the process has held at any moment, also between two samples.
    expect.soft(endMemory?.peak, 'peak RSS (VmHWM)').toBeLessThan(RSS_LIMIT_BYTES);
    expect.soft(report.maxRss, 'largest RSS sampled').toBeLessThan(RSS_LIMIT_BYTES);
  }, 90_000);
});
