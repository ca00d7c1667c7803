/**
 * The consumer's catch-up: clients that resume (Last-Event-ID) from further back than the replay
 * buffer holds, served from Kafka. Measured the way the load arrives: the built consumer with its
 * default settings (MAX_CLIENTS raised for the live clients), a topic of 3 partitions filled with
 * 100-byte records, and the clients in processes of their own: the resuming ones in
 * catch-up-client-process.ts, which checks that each got every record after its id exactly once,
 * and the live ones in the fan-out load generator (sse-client-process.ts), which reads each
 * record's produce time from its value.
 *
 * 1. One client resumes CATCH_UP_RECORDS back, nothing else connected: records/s until it has
 *    them all, and the consumer's CPU per 1,000 records (median of CATCH_UP_SINGLE_REPEATS).
 * 2. CATCH_UP_LIVE_CLIENTS live clients while records are produced at CATCH_UP_RATE/s for
 *    CATCH_UP_SECONDS, alone and with CATCH_UP_CLIENTS resuming at once (their positions spread
 *    evenly from CATCH_UP_RECORDS back to a tenth of that; CATCH_UP_SPREAD=0: all from
 *    CATCH_UP_RECORDS back), the two conditions alternated CATCH_UP_ROUNDS times each: the live
 *    clients' delivery p99 (produce to receipt), the consumer's peak RSS, and per resuming client
 *    the records missing or doubled up to the end of the run (after production stops, each gets
 *    CATCH_UP_WAIT_SECONDS to reach the end).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadKafkaBinding } from '@demo-kafka/config';
import { Kafka, logLevel, type Producer } from '@demo-kafka/kafka-client';
import type { CatchUpClientReport, Offsets } from './catch-up-client-process.js';
import { startCatchUpClients } from './catch-up-clients.js';
import { startFanOutClients } from './fan-out-clients.js';
import { cpuSeconds, rssBytes } from './process-stats.js';
import { startServer } from './server-process.js';
import { median, ratio, sleep } from './stats.js';

const PARTITIONS = 3;
const RECORD_BYTES = 100;
const P99_RATIO_GOAL = 1.25;
const SINGLE_GOAL_PER_SECOND = 20_000;

const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/** What the section ran with (the CATCH_UP_* variables, or their defaults). */
export interface CatchUpSettings {
  readonly partitions: number;
  readonly recordBytes: number;
  /** How far back the single client resumes, and the farthest of the many. */
  readonly records: number;
  readonly singleRepeats: number;
  readonly catchUpClients: number;
  /** Whether the many resume from positions spread over records..records/10 back. */
  readonly spread: boolean;
  readonly liveClients: number;
  readonly rate: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly waitSeconds: number;
}

export interface SingleCatchUpRun {
  readonly lastEventId: string;
  readonly expected: number;
  readonly received: number;
  readonly missing: number;
  readonly doubled: number;
  readonly gaps: number;
  /** From the request to the last record; null when it never had them all. */
  readonly seconds: number | null;
  /** Records / seconds, for a client that got them all (NaN otherwise). */
  readonly recordsPerSecond: number;
  readonly consumerCpuSeconds: number;
  readonly cpuSecondsPer1000Records: number;
}

/** What the resuming clients of one round got, summed, with the clients that fell short. */
export interface CatchUpAccount {
  readonly clients: number;
  /** Clients that had every record after their id up to the end, each once. */
  readonly complete: number;
  readonly expected: number;
  readonly missing: number;
  readonly notReached: number;
  readonly doubled: number;
  readonly clientsMissing: number;
  readonly clientsDoubled: number;
  readonly gaps: number;
  readonly rejected: number;
  readonly reconnects: number;
  readonly errors: number;
  /** Seconds to reach the head each client connected at: median and max of those that did. */
  readonly caughtUpMedianSeconds: number;
  readonly caughtUpMaxSeconds: number;
  readonly timedOut: boolean;
  /** The catch-up client process's CPU over the round, as a share of one core. */
  readonly clientCpu: number;
  /** The first 20 clients that missed or doubled records. */
  readonly shortfalls: ReadonlyArray<
    Pick<
      CatchUpClientReport,
      'lastEventId' | 'expected' | 'missing' | 'notReached' | 'doubled' | 'gaps' | 'error'
    >
  >;
}

export interface CatchUpRound {
  readonly withCatchUps: boolean;
  readonly p50: number;
  readonly p99: number;
  /** Live deliveries seen / expected (records produced x live clients). */
  readonly delivered: number;
  readonly producedPerSecond: number;
  readonly failedSends: number;
  /** Consumer CPU from the first record produced to the live report, as a share of one core. */
  readonly consumerCpu: number;
  /** The live clients' process meanwhile, as a share of one core (near 100%: it is the limit, not the consumer). */
  readonly liveClientCpu: number;
  /** Highest RSS sampled every 200 ms, from the round's start to the catch-ups' end. */
  readonly peakRssBytes: number;
  readonly catchUps?: CatchUpAccount;
}

export interface ConsumerCatchUpResult {
  readonly settings: CatchUpSettings;
  readonly single: {
    readonly runs: readonly SingleCatchUpRun[];
    readonly medianRecordsPerSecond: number;
    readonly medianCpuSecondsPer1000Records: number;
  };
  readonly rounds: readonly CatchUpRound[];
  readonly liveOnlyMedianP99: number;
  readonly withCatchUpsMedianP99: number;
  readonly p99Ratio: number;
  /** Each round's p99 with catch-ups over its own live-only p99 (the pair ran back to back). */
  readonly roundP99Ratios: readonly number[];
  /** Highest RSS sampled in the rounds with catch-ups, and the process's own high-water mark (VmHWM) at the end. */
  readonly peakRssBytes: number;
  readonly rssHighWaterBytes: number;
  /** Every resuming client of every round had every record after its id exactly once. */
  readonly exact: boolean;
}

export function catchUpSettings(seconds: number): CatchUpSettings {
  const records = Math.round(envNumber('CATCH_UP_RECORDS', 100_000));
  return {
    partitions: PARTITIONS,
    recordBytes: RECORD_BYTES,
    records,
    singleRepeats: Math.round(envNumber('CATCH_UP_SINGLE_REPEATS', 3)),
    catchUpClients: Math.round(envNumber('CATCH_UP_CLIENTS', 100)),
    spread: process.env.CATCH_UP_SPREAD !== '0',
    liveClients: Math.round(envNumber('CATCH_UP_LIVE_CLIENTS', 1000)),
    rate: envNumber('CATCH_UP_RATE', 500),
    seconds: envNumber('CATCH_UP_SECONDS', Math.max(10, seconds * 2)),
    rounds: Math.round(envNumber('CATCH_UP_ROUNDS', 5)),
    waitSeconds: envNumber('CATCH_UP_WAIT_SECONDS', 420),
  };
}

/** A value padded to RECORD_BYTES (the live ones keep the load generator's `<run>|<key>|<sent at>|<n>` first). */
const padded = (head: string): string =>
  head.length >= RECORD_BYTES ? head : head + 'x'.repeat(RECORD_BYTES - head.length);

/** The consumer's high-water mark of resident memory, from /proc. */
function rssHighWater(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** The id of a client that has every record up to `back` records before `head` (the last offset per partition). */
export function positionBack(head: Offsets, back: number, partitions: number): string {
  const pairs: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const share = Math.floor(back / partitions) + (p < back % partitions ? 1 : 0);
    const offset = (head[p] ?? -1) - share;
    // Not that far back in this partition: the id leaves it out (the client has none of it).
    if (offset >= 0) pairs.push(`${p}:${offset}`);
  }
  return pairs.join(',');
}

/** Reads the consumer's stream (its replay, then live) until an event's id covers `head`. */
async function waitForHead(url: string, head: Offsets, timeoutMs: number): Promise<void> {
  const covers = (id: string): boolean => {
    const position = new Map(
      id.split(',').map((pair) => pair.split(':').map(Number) as [number, number]),
    );
    return Object.entries(head).every(([p, o]) => (position.get(Number(p)) ?? -1) >= o);
  };
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const reached = await new Promise<boolean>((resolve) => {
      const req = request(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          resolve(false);
          return;
        }
        const timer = setTimeout(() => req.destroy(), 2000);
        res.setEncoding('latin1');
        let rest = '';
        res.on('data', (chunk: string) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop() ?? '';
          if (lines.some((line) => line.startsWith('id:') && covers(line.slice(3).trim()))) {
            clearTimeout(timer);
            resolve(true);
            req.destroy();
          }
        });
        res.on('error', () => {});
        res.on('close', () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (reached) return;
    await sleep(200);
  }
  throw new Error(`the consumer did not reach the end of the topic within ${timeoutMs / 1000} s`);
}

/** Produces `seconds` of records at `rate`/s on schedule (a slow acknowledgement must not slow the rate). */
async function produceAtRate(
  producer: Producer,
  topic: string,
  run: string,
  rate: number,
  seconds: number,
): Promise<{ sent: number; perSecond: number; failed: number }> {
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  let sent = 0;
  let failed = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate) + 1;
    if (due > sent) {
      // The produce time every live client measures from, stamped just before the send.
      const stamp = performance.timeOrigin + performance.now();
      const messages: Array<{ partition: number; value: string }> = [];
      for (; sent < due; sent++)
        messages.push({ partition: sent % PARTITIONS, value: padded(`${run}||${stamp}|${sent}|`) });
      inFlight.push(
        producer.send({ topic, acks: -1, messages }).then(
          () => undefined,
          () => {
            failed += messages.length;
          },
        ),
      );
    }
    await sleep(10);
  }
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  return { sent, perSecond: sent / elapsed, failed };
}

/** For each pair of rounds (run back to back), the p99 with catch-ups over the p99 live only. */
function pairedRatios(rounds: readonly CatchUpRound[]): number[] {
  const ratios: number[] = [];
  for (let i = 0; i + 1 < rounds.length; i += 2) {
    const pair = [rounds[i], rounds[i + 1]];
    const withCatchUps = pair.find((r) => r?.withCatchUps);
    const alone = pair.find((r) => r && !r.withCatchUps);
    if (withCatchUps && alone) ratios.push(withCatchUps.p99 / alone.p99);
  }
  return ratios;
}

/** Sums the resuming clients' reports of one round. */
function account(
  reports: readonly CatchUpClientReport[],
  timedOut: boolean,
  clientCpu: number,
): CatchUpAccount {
  const sum = (pick: (r: CatchUpClientReport) => number): number =>
    reports.reduce((total, r) => total + pick(r), 0);
  const caughtUp = reports.map((r) => r.caughtUpSeconds).filter((s): s is number => s !== null);
  const short = reports.filter((r) => r.missing > 0 || r.doubled > 0 || r.error !== '');
  return {
    clients: reports.length,
    complete: reports.filter((r) => r.missing === 0 && r.doubled === 0 && r.error === '').length,
    expected: sum((r) => r.expected),
    missing: sum((r) => r.missing),
    notReached: sum((r) => r.notReached),
    doubled: sum((r) => r.doubled),
    clientsMissing: reports.filter((r) => r.missing > 0).length,
    clientsDoubled: reports.filter((r) => r.doubled > 0).length,
    gaps: sum((r) => r.gaps),
    rejected: sum((r) => r.rejected),
    reconnects: sum((r) => r.reconnects),
    errors: reports.filter((r) => r.error !== '').length,
    caughtUpMedianSeconds: median(caughtUp),
    caughtUpMaxSeconds: caughtUp.length > 0 ? Math.max(...caughtUp) : Number.NaN,
    timedOut,
    clientCpu,
    shortfalls: short
      .slice(0, 20)
      .map(({ lastEventId, expected, missing, notReached, doubled, gaps, error }) => ({
        lastEventId,
        expected,
        missing,
        notReached,
        doubled,
        gaps,
        error,
      })),
  };
}

/** Runs the section against a running broker (its binding directory). */
export async function consumerCatchUp(options: {
  bindingDir: string;
  seconds: number;
  log: (line: string) => void;
}): Promise<ConsumerCatchUpResult> {
  const { log } = options;
  const settings = catchUpSettings(options.seconds);
  const name = `catch-up-${randomUUID()}`;
  const binding = loadKafkaBinding(
    { KAFKA_BINDING_DIR: options.bindingDir },
    { topic: name, groupId: `bench-${randomUUID()}`, clientId: 'bench-catch-up' },
  );
  const { topic } = binding;
  const kafka = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING }));
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await admin.connect();
  await producer.connect();
  const cleanups: Array<() => unknown> = [() => producer.disconnect(), () => admin.disconnect()];
  try {
    // The topic first, with its partitions: the consumer would create it with one.
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS }],
      waitForLeaders: true,
    });
    const head = async (): Promise<Offsets> =>
      Object.fromEntries(
        (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high) - 1]),
      );
    // One record more per partition than the farthest resume, so its id names offset 0 of each.
    const fill = settings.records + PARTITIONS;
    log(`catch-up: ${fill} records of ${RECORD_BYTES} bytes into ${PARTITIONS} partitions ...`);
    for (let i = 0; i < fill; i += 4 * 2000) {
      await Promise.all(
        Array.from({ length: 4 }, (_, batch) => {
          const from = i + batch * 2000;
          const messages = Array.from(
            { length: Math.max(0, Math.min(2000, fill - from)) },
            (_, j) => ({
              partition: (from + j) % PARTITIONS,
              value: padded(`fill|${from + j}|`),
            }),
          );
          return messages.length > 0 ? producer.send({ topic, acks: -1, messages }) : undefined;
        }),
      );
    }
    // Built, as production runs it, with its default settings (REPLAY_SIZE, REPLAY_MAX_BYTES,
    // MAX_CATCH_UPS ...); only MAX_CLIENTS is raised, for the live clients.
    const consumer = await startServer({
      name: 'consumer',
      entryPoint: 'apps/consumer/dist/main.js',
      env: {
        LOG_LEVEL: 'warn',
        KAFKA_BINDING_DIR: options.bindingDir,
        TOPIC: name,
        MAX_CLIENTS: '20000',
        // Every load-generator client comes from this host's address: no per-client quota.
        MAX_CLIENT_STREAMS: '0',
      },
      readyPath: '/readyz',
      raiseOpenFilesLimit: true,
    });
    cleanups.unshift(() => consumer.stop());
    const streamUrl = `${consumer.url}/messages`;
    await waitForHead(streamUrl, await head(), 60_000);

    const catchUps = startCatchUpClients();
    cleanups.unshift(() => catchUps.stop());
    const timeoutMs = settings.waitSeconds * 1000;

    log(`catch-up: one client resuming ${settings.records} records back ...`);
    const runs: SingleCatchUpRun[] = [];
    for (let run = 0; run < settings.singleRepeats; run++) {
      const end = await head();
      const lastEventId = positionBack(end, settings.records, PARTITIONS);
      const cpuBefore = cpuSeconds(consumer.pid);
      await catchUps.open(streamUrl, PARTITIONS, [{ lastEventId, target: end }]);
      const report = await catchUps.wait(end, timeoutMs);
      const cpu = cpuSeconds(consumer.pid) - cpuBefore;
      await catchUps.closeAll();
      const client = report.clients[0];
      if (!client) throw new Error('the catch-up client process reported no client');
      const single: SingleCatchUpRun = {
        lastEventId,
        expected: client.expected,
        received: client.received,
        missing: client.missing,
        doubled: client.doubled,
        gaps: client.gaps,
        seconds: client.endSeconds,
        // Only for a client that got them all: otherwise it never had them.
        recordsPerSecond:
          client.endSeconds === null || client.missing > 0
            ? Number.NaN
            : client.received / client.endSeconds,
        consumerCpuSeconds: cpu,
        cpuSecondsPer1000Records:
          client.received === 0 ? Number.NaN : (cpu / client.received) * 1000,
      };
      log(
        `  from ${lastEventId}: ${single.received} of ${single.expected} in ${fmt(single.seconds ?? Number.NaN, 2)} s = ${fmt(single.recordsPerSecond)}/s, consumer CPU ${fmt(cpu, 2)} s, ${single.missing} missing, ${single.doubled} doubled, ${single.gaps} gap events`,
      );
      runs.push(single);
      await sleep(500);
    }

    log(`catch-up: ${settings.liveClients} live clients ...`);
    const live = startFanOutClients();
    cleanups.unshift(async () => {
      await live.closeAll().catch(() => undefined);
      live.stop();
    });
    const connected = await live.open(streamUrl, settings.liveClients);
    if (connected.failed > 0) throw new Error(`${connected.failed} live clients failed to connect`);
    // Warm-up: the first records after a quiet spell are not what a round measures.
    live.measure('warm-up');
    await produceAtRate(producer, topic, 'warm-up', settings.rate, 2);
    await sleep(1000);

    const rounds: CatchUpRound[] = [];
    const round = async (withCatchUps: boolean, index: number): Promise<void> => {
      log(
        `catch-up: round ${index + 1}, ${withCatchUps ? `with ${settings.catchUpClients} catch-ups` : 'live only'} ...`,
      );
      let peak = rssBytes(consumer.pid);
      const sampler = setInterval(() => {
        // A consumer that died meanwhile fails the round below, not this timer.
        const rss = (() => {
          try {
            return rssBytes(consumer.pid);
          } catch {
            return 0;
          }
        })();
        peak = Math.max(peak, rss);
      }, 200);
      try {
        const run = randomUUID().slice(0, 8);
        live.measure(run);
        const resumed = withCatchUps ? await head() : undefined;
        const liveCpuBefore = (await live.report()).cpuSeconds;
        const cpuBefore = cpuSeconds(consumer.pid);
        const started = performance.now();
        const opening = resumed
          ? (async () => {
              // No client is open: the wait answers at once, with the process's CPU so far.
              const clientCpuBefore = (await catchUps.wait(resumed, 0)).cpuSeconds;
              const clients = Array.from({ length: settings.catchUpClients }, (_, i) => {
                const share = settings.spread ? i / Math.max(1, settings.catchUpClients - 1) : 0;
                const back = Math.round(settings.records * (1 - 0.9 * share));
                return { lastEventId: positionBack(resumed, back, PARTITIONS), target: resumed };
              });
              await catchUps.open(streamUrl, PARTITIONS, clients);
              return clientCpuBefore;
            })()
          : undefined;
        const produced = await produceAtRate(producer, topic, run, settings.rate, settings.seconds);
        await sleep(1500);
        const report = await live.report();
        const cpu = cpuSeconds(consumer.pid) - cpuBefore;
        const wall = (performance.now() - started) / 1000;
        const deliveries =
          report.samples + Object.values(report.received).reduce((a, b) => a + b, 0);
        let catchUpAccount: CatchUpAccount | undefined;
        if (opening) {
          const clientCpuBefore = await opening;
          // Production has stopped: the end of the run is the topic's end now.
          const end = await head();
          const final = await catchUps.wait(end, timeoutMs);
          const clientWall = (performance.now() - started) / 1000;
          catchUpAccount = account(
            final.clients,
            final.timedOut,
            (final.cpuSeconds - clientCpuBefore) / clientWall,
          );
          await catchUps.closeAll();
        }
        const result: CatchUpRound = {
          withCatchUps,
          p50: report.p50,
          p99: report.p99,
          delivered: deliveries / (produced.sent * settings.liveClients),
          producedPerSecond: produced.perSecond,
          failedSends: produced.failed,
          consumerCpu: cpu / wall,
          liveClientCpu: (report.cpuSeconds - liveCpuBefore) / wall,
          peakRssBytes: peak,
          ...(catchUpAccount ? { catchUps: catchUpAccount } : {}),
        };
        log(
          `  live p50 ${result.p50} ms, p99 ${result.p99} ms, delivered ${(result.delivered * 100).toFixed(2)}%, consumer CPU ${fmt(result.consumerCpu * 100)}% (live clients ${fmt(result.liveClientCpu * 100)}%), peak RSS ${mib(peak)}` +
            (catchUpAccount ? `; catch-ups: ${accountLine(catchUpAccount)}` : ''),
        );
        rounds.push(result);
      } finally {
        clearInterval(sampler);
      }
      // The consumer lets go of the closed catch-ups before the next round.
      await sleep(1000);
    };
    // Each pair in the other order from the one before it: neither condition always runs first.
    for (let index = 0; index < settings.rounds; index++) {
      const order = index % 2 === 0 ? [false, true] : [true, false];
      for (const withCatchUps of order) await round(withCatchUps, index);
    }

    const p99s = (withCatchUps: boolean): number[] =>
      rounds.filter((r) => r.withCatchUps === withCatchUps).map((r) => r.p99);
    const liveOnlyMedianP99 = median(p99s(false));
    const withCatchUpsMedianP99 = median(p99s(true));
    const withRounds = rounds.filter((r) => r.withCatchUps);
    return {
      settings,
      single: {
        runs,
        medianRecordsPerSecond: median(runs.map((r) => r.recordsPerSecond)),
        medianCpuSecondsPer1000Records: median(runs.map((r) => r.cpuSecondsPer1000Records)),
      },
      rounds,
      liveOnlyMedianP99,
      withCatchUpsMedianP99,
      p99Ratio: withCatchUpsMedianP99 / liveOnlyMedianP99,
      roundP99Ratios: pairedRatios(rounds),
      peakRssBytes: Math.max(...withRounds.map((r) => r.peakRssBytes)),
      rssHighWaterBytes: rssHighWater(consumer.pid),
      exact:
        runs.every((r) => r.missing === 0 && r.doubled === 0) &&
        withRounds.every((r) => r.catchUps?.complete === r.catchUps?.clients),
    };
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';
const mib = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : '-';

function accountLine(a: CatchUpAccount): string {
  return (
    `${a.complete} of ${a.clients} complete, ${fmt(a.missing)} missing (${fmt(a.notReached)} not reached by the deadline) in ${a.clientsMissing} clients, ` +
    `${fmt(a.doubled)} doubled in ${a.clientsDoubled}, ${a.gaps} gap events, ${a.rejected} 503s, ${a.reconnects} reconnects` +
    `${a.errors > 0 ? `, ${a.errors} failed` : ''}; caught up in ${fmt(a.caughtUpMedianSeconds, 1)} s median, ${fmt(a.caughtUpMaxSeconds, 1)} s max` +
    `${a.timedOut ? ', the wait timed out' : ''}; client process CPU ${fmt(a.clientCpu * 100)}%`
  );
}

/** The section's lines, as markdown. */
export function catchUpTables(result: ConsumerCatchUpResult): string[] {
  const s = result.settings;
  const { single } = result;
  const farthest = s.spread
    ? `from ${fmt(s.records)} to ${fmt(Math.round(s.records / 10))} records back, spread evenly`
    : `each from ${fmt(s.records)} records back`;
  const lines = [
    `Catch-up: resumes older than the replay buffer, read from Kafka. The built consumer with its default settings (MAX_CLIENTS 20000), ${s.partitions} partitions, ${s.recordBytes}-byte records; clients in processes of their own`,
    `One client resuming ${fmt(s.records)} records back (${single.runs.length} run${single.runs.length === 1 ? '' : 's'}): ${single.runs.map((r) => fmt(r.recordsPerSecond)).join(' / ')} records/s, median ${fmt(single.medianRecordsPerSecond)} (target >= ${fmt(SINGLE_GOAL_PER_SECOND)}); consumer CPU ${fmt(single.medianCpuSecondsPer1000Records, 3)} s per 1,000 records (median)` +
      `; ${single.runs.map((r) => `${fmt(r.missing)} missing, ${fmt(r.doubled)} doubled`).join(' / ')}`,
    '',
    `${s.liveClients} live clients at ${fmt(s.rate)} records/s for ${fmt(s.seconds)} s, alone and with ${s.catchUpClients} clients resuming at once (${farthest}), ${s.rounds} alternated round${s.rounds === 1 ? '' : 's'} each; live delivery latency, produce to receipt`,
    '| round | condition | p50 ms | p99 ms | delivered | produced/s | consumer CPU | live clients CPU | peak RSS | catch-up clients complete | missing | doubled | caught up, median / max s | catch-up clients CPU |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  let pair = 0;
  result.rounds.forEach((r, i) => {
    if (i % 2 === 0) pair++;
    const c = r.catchUps;
    lines.push(
      `| ${pair} | ${r.withCatchUps ? `with ${s.catchUpClients} catch-ups` : 'live only'} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${(r.delivered * 100).toFixed(2)}% | ${fmt(r.producedPerSecond)} | ${fmt(r.consumerCpu * 100)}% | ${fmt(r.liveClientCpu * 100)}% | ${mib(r.peakRssBytes)} | ` +
        (c
          ? `${c.complete} / ${c.clients} | ${fmt(c.missing)} | ${fmt(c.doubled)} | ${fmt(c.caughtUpMedianSeconds, 1)} / ${fmt(c.caughtUpMaxSeconds, 1)} | ${fmt(c.clientCpu * 100)}% |`
          : '| | | | |'),
    );
  });
  const withRounds = result.rounds.filter((r) => r.catchUps);
  const total = (pick: (a: CatchUpAccount) => number): number =>
    withRounds.reduce((sum, r) => sum + (r.catchUps ? pick(r.catchUps) : 0), 0);
  lines.push(
    '',
    `Live p99, medians: ${fmt(result.withCatchUpsMedianP99)} ms with catch-ups, ${fmt(result.liveOnlyMedianP99)} ms live only: ${ratio(result.withCatchUpsMedianP99, result.liveOnlyMedianP99)}; round by round ${result.roundP99Ratios.map((r) => `${r.toFixed(2)}x`).join(', ')}, median ${median(result.roundP99Ratios).toFixed(2)}x (target <= ${P99_RATIO_GOAL.toFixed(2)}x)`,
    `Consumer peak RSS during the catch-ups: ${mib(result.peakRssBytes)} (live only: ${mib(Math.max(...result.rounds.filter((r) => !r.catchUps).map((r) => r.peakRssBytes)))}; sampled every 200 ms; high-water mark of the whole run ${mib(result.rssHighWaterBytes)})`,
    `Catch-up clients, every round: ${total((a) => a.complete)} of ${total((a) => a.clients)} got every record after their id exactly once; ` +
      `${fmt(total((a) => a.missing))} records missing (${fmt(total((a) => a.notReached))} not reached by the deadline), ${fmt(total((a) => a.doubled))} doubled, ` +
      `${total((a) => a.gaps)} gap events, ${total((a) => a.rejected)} 503s, ${total((a) => a.reconnects)} reconnects (target: 0 missing, 0 doubled)` +
      (result.exact ? '' : ' — NOT EXACT'),
  );
  return lines;
}
