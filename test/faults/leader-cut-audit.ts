import { createLogger } from '@demo-kafka/app-kit';
import { startLocalKafkaCluster, type LocalKafkaCluster } from '@demo-kafka/local-kafka';
import { Partitioners } from '@demo-kafka/kafka-client';
import type { pino } from 'pino';
import { buildProducer, type TestProducer } from '../../apps/producer/test/build-producer.js';
import { createTopicAsAdmin } from '../support/create-topic.js';
import { listen, type Listening } from '../support/listen.js';
import { PRODUCE_TIMEOUT_MS } from './campaign.js';
import { canPartition } from './loopback-partition.js';
import { nemesis } from './nemesis.js';
import { leadersOf } from './partition-leaders.js';
import type { PostRecord } from './post-clients.js';
import { readTopicWithJava } from './read-topic-java.js';
import { largest, percentile } from './report.js';

/** The single-broker faults the audit knows (nemesis.ts applies and heals them). */
export const AUDIT_FAULTS = ['cut-peers', 'cut-clients', 'kill', 'freeze'] as const;
export type AuditFault = (typeof AUDIT_FAULTS)[number];
export type Phase = 'before' | 'during' | 'after';
/** What a non-200 was for: a key on a partition the faulted broker led at the cut, another key, no key. */
export type NonOkClass = 'keyed-led' | 'keyed-other' | 'keyless';

export interface LeaderCutAuditOptions {
  readonly fault: AuditFault;
  readonly steadyMs?: number;
  readonly holdMs?: number;
  readonly afterMs?: number;
  /** Fault the active controller, whichever partitions it leads (a controller election on top). */
  readonly controller?: boolean;
  /** Every POST carries a new Idempotency-Key, so each is also claimed in the claims topic. */
  readonly idempotencyKeys?: boolean;
  /** Where the apps' log goes (info and up); warnings and errors are also kept in the result. */
  readonly appLog?: pino.DestinationStream;
  /** Keep the brokers' data and logs here (default: a temporary directory removed at the end). */
  readonly dataDir?: string;
  readonly log?: (line: string) => void;
}

/** A POST as the audit sees it: its phase by the time it was answered (or given up). */
export interface AuditedPost extends PostRecord {
  readonly phase: Phase;
  readonly inFlightAtCut: boolean;
  readonly class: NonOkClass;
}

export interface PhaseStats {
  readonly phase: Phase;
  readonly from: number;
  readonly to: number;
  readonly answered: number;
  readonly perSecond: number;
  /** HTTP status, or `none (<error>)` for a request that got no answer. */
  readonly byStatus: Readonly<Record<string, number>>;
  readonly okP99Ms: number;
  readonly okMaxMs: number;
  readonly nonOk: Readonly<Record<NonOkClass, readonly AuditedPost[]>>;
}

export interface AppWarning {
  readonly at: number;
  readonly level: number;
  readonly app: string;
  readonly msg: string;
}

export interface LeaderCutAuditResult {
  readonly fault: AuditFault;
  readonly idempotencyKeys: boolean;
  readonly node: number;
  /** Why this node: "leads exactly 2", or the fallback when no broker did. */
  readonly pickedBecause: string;
  readonly activeControllerAtCut: number | undefined;
  readonly loadStartedAt: number;
  readonly faultAt: number;
  readonly healedAt: number;
  readonly stoppedAt: number;
  readonly leadersAtCut: Readonly<Record<number, number>>;
  readonly ledAtCut: readonly number[];
  /** As the other brokers saw them 2 s before the hold ended: whether the cluster moved the leaders. */
  readonly leadersNearHoldEnd: Readonly<Record<number, number>>;
  readonly leadersAfter: Readonly<Record<number, number>>;
  /** Where each key's acknowledged records landed (more than one partition would be a bug). */
  readonly keyPartitions: Readonly<Record<string, readonly number[]>>;
  readonly phases: readonly PhaseStats[];
  readonly readBack: {
    readonly records: number;
    readonly ackedMissingOrMisplaced: readonly string[];
    readonly duplicated: readonly string[];
    readonly unavailable: number;
    readonly unavailableWritten: number;
    /** Per class, 503s in the topic anyway and all 503s: a healthy partition's record can share a failed send. */
    readonly unavailableWrittenByClass: Readonly<Record<NonOkClass, readonly [number, number]>>;
    readonly unanswered: number;
    readonly unansweredWritten: number;
  };
  readonly warnings: readonly AppWarning[];
  readonly produceTimeoutMs: number;
}

const TOPIC = 'leader-cut-audit';
const PARTITIONS = 6;
const KEYED_CLIENTS = 4;
const KEYLESS_CLIENTS = 4;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One key per partition, found with the producer's own partitioner (murmur2), so keyed records
 * reach every partition whichever broker leads it. The run still reads the mapping from where
 * the acknowledged records landed: that, not this prediction, classifies the failures.
 */
export function keysCoveringPartitions(partitions: number): string[] {
  const choose = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  const keys: Array<string | undefined> = new Array(partitions).fill(undefined);
  for (let n = 0; keys.includes(undefined); n++) {
    const key = `key-${n}`;
    const p = choose({ topic: TOPIC, partitionMetadata, message: { key, value: null } });
    keys[p] ??= key;
  }
  return keys.filter((k): k is string => k !== undefined);
}

/**
 * Closed-loop POST clients: each sends its next POST when the last is answered, so the rate is
 * what the producer can answer and a stall shows as fewer answers, not as a queue on our side.
 */
function closedLoopClients(
  url: string,
  options: {
    keys: readonly string[];
    keyed: number;
    keyless: number;
    giveUpMs: number;
    idempotencyKeys: boolean;
  },
): { stop(): Promise<PostRecord[]> } {
  const run = String(Date.now());
  const records: PostRecord[] = [];
  let stopping = false;
  const post = async (client: number, n: number): Promise<PostRecord> => {
    // Keyed clients walk the keys from different places, so every partition always has keyed POSTs.
    const key =
      client < options.keyed ? options.keys[(client + n) % options.keys.length] : undefined;
    const value = JSON.stringify({ run, c: client, n });
    const startedAt = Date.now();
    try {
      const res = await fetch(`${url}/messages${key === undefined ? '' : `?key=${key}`}`, {
        method: 'POST',
        body: value,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          ...(options.idempotencyKeys ? { 'Idempotency-Key': `${run}-${client}-${n}` } : {}),
        },
        signal: AbortSignal.timeout(options.giveUpMs),
      });
      const body = await res.text();
      const ack =
        res.status === 200
          ? (JSON.parse(body) as { partition: number; offset: string })
          : undefined;
      const detail = res.status === 200 ? undefined : problemDetail(body);
      return {
        value,
        key,
        status: res.status,
        startedAt,
        ms: Date.now() - startedAt,
        ...ack,
        ...(detail === undefined ? {} : { detail }),
      };
    } catch (failure) {
      const error =
        (failure as Error).name === 'TimeoutError'
          ? 'timeout'
          : ((failure as { cause?: { code?: string } }).cause?.code ?? (failure as Error).name);
      return { value, key, status: 0, startedAt, ms: Date.now() - startedAt, error };
    }
  };
  const loops = Array.from({ length: options.keyed + options.keyless }, async (_, client) => {
    for (let n = 0; !stopping; n++) records.push(await post(client, n));
  });
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      return records.sort((a, b) => a.startedAt - b.startedAt);
    },
  };
}

/**
 * The broker to fault: one leading exactly 2 partitions, preferring one that is not the active
 * controller, so the cut moves partition leaders without also forcing a controller election.
 */
function pickNode(
  leaders: Record<number, number>,
  nodes: readonly number[],
  controller: number | undefined,
  wantController = false,
): { node: number; because: string } {
  const led = (node: number): number => Object.values(leaders).filter((l) => l === node).length;
  if (wantController && controller !== undefined)
    return {
      node: controller,
      because: `the active controller, as asked; leads ${led(controller)}`,
    };
  const two = nodes
    .filter((n) => led(n) === 2)
    .sort((a, b) => Number(a === controller) - Number(b === controller));
  if (two[0] !== undefined)
    return {
      node: two[0],
      because: `leads exactly 2 partitions${two[0] === controller ? ' (every such broker was the active controller)' : ', not the active controller'}`,
    };
  const most = [...nodes].sort((a, b) => led(b) - led(a))[0] ?? 1;
  return { node: most, because: `no broker led exactly 2: it leads the most (${led(most)})` };
}

/** A log destination that passes every line on and keeps warnings and errors (pino level ≥ 40). */
function keepingWarnings(
  to: pino.DestinationStream | undefined,
  warnings: AppWarning[],
): pino.DestinationStream {
  return {
    write(line: string) {
      to?.write(line);
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
      if (level < 40) return;
      const entry = JSON.parse(line) as { time: number; app?: string; msg?: string };
      warnings.push({ at: entry.time, level, app: entry.app ?? '', msg: entry.msg ?? '' });
    },
  };
}

/**
 * What the producer's HTTP clients see when one broker is faulted: a fresh three-broker cluster,
 * a 6-partition topic (replication 3, min.insync.replicas 2, as in the campaign), 4 keyed and 4
 * keyless closed-loop POST clients, `steadyMs` of steady state, the fault held `holdMs` on a
 * broker leading 2 partitions, `afterMs` after the heal; then every answer is checked against the
 * topic as Kafka's Java client reads it back.
 */
export async function runLeaderCutAudit(
  options: LeaderCutAuditOptions,
): Promise<LeaderCutAuditResult> {
  const log = options.log ?? console.log;
  const { fault } = options;
  if (fault.startsWith('cut-') && !canPartition())
    throw new Error(`${fault} needs iptables and root: this process cannot change the firewall`);
  const warnings: AppWarning[] = [];
  const appLog = keepingWarnings(options.appLog, warnings);
  let cluster: LocalKafkaCluster | undefined;
  let producer: TestProducer | undefined;
  let server: Listening | undefined;
  let chaos: ReturnType<typeof nemesis> | undefined;
  try {
    cluster = await startLocalKafkaCluster({
      brokers: 3,
      username: 'audit',
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    });
    const topic = `${cluster.user.topicPrefix}${TOPIC}`;
    await createTopicAsAdmin(
      cluster.adminBroker,
      { topic, numPartitions: PARTITIONS, replicationFactor: 3 },
      false,
    );
    // On a loaded machine the metadata can lag the creation: wait for a leader everywhere.
    for (const deadline = Date.now() + 60_000; ; await sleep(500)) {
      const leaders = await leadersOf(cluster, topic).catch(() => ({}));
      if (Object.values(leaders).filter((l) => l > 0).length === PARTITIONS) break;
      if (Date.now() > deadline) throw new Error(`${topic} has no leader everywhere within 60 s`);
    }
    producer = await buildProducer(
      { KAFKA_BINDING_DIR: cluster.bindingDir, TOPIC },
      true,
      createLogger('producer', 'info', appLog),
    );
    server = await listen(producer.app);
    const keys = keysCoveringPartitions(PARTITIONS);

    const idempotencyKeys = options.idempotencyKeys ?? false;
    const loadStartedAt = Date.now();
    const load = closedLoopClients(server.url, {
      keys,
      keyed: KEYED_CLIENTS,
      keyless: KEYLESS_CLIENTS,
      giveUpMs: PRODUCE_TIMEOUT_MS + 5_000,
      idempotencyKeys,
    });
    let posts: PostRecord[] = [];
    let window: { from: number; healedAt: number } | undefined;
    let leadersAtCut: Record<number, number> = {};
    let leadersAfter: Record<number, number> = {};
    let leadersNearHoldEnd: Record<number, number> = {};
    let picked = { node: 1, because: '' };
    let controller: number | undefined;
    let stoppedAt = 0;
    try {
      await sleep(options.steadyMs ?? 5_000);
      leadersAtCut = await leadersOf(cluster, topic);
      controller = cluster.activeController();
      picked = pickNode(
        leadersAtCut,
        cluster.nodes.map((n) => n.id),
        controller,
        options.controller,
      );
      log(
        `[audit] leaders ${JSON.stringify(leadersAtCut)}, controller ${controller}; ${fault} of node ${picked.node} (${picked.because})`,
      );
      // The nemesis heals in a finally of its own; close() below and the partition's exit hook cover the rest.
      chaos = nemesis(cluster, log);
      const holdMs = options.holdMs ?? 15_000;
      const { node } = picked;
      // Asked of the others: a cut-off broker's own metadata would say it still leads.
      const nearHoldEnd = sleep(holdMs - 2_000)
        .then(() => (cluster ? leadersOf(cluster, topic, node) : {}))
        .catch(() => ({}));
      window = await chaos.run({ kind: fault, node, holdMs, healMs: 0 });
      leadersNearHoldEnd = await nearHoldEnd;
      await sleep(options.afterMs ?? 10_000);
      leadersAfter = await leadersOf(cluster, topic).catch(() => ({}));
    } finally {
      stoppedAt = Date.now();
      posts = await load.stop();
    }
    const { from: faultAt, healedAt } = window;
    const ledAtCut = Object.entries(leadersAtCut)
      .filter(([, leader]) => leader === picked.node)
      .map(([partition]) => Number(partition));

    const keyPartitions: Record<string, number[]> = {};
    for (const p of posts)
      if (p.status === 200 && p.key !== undefined && p.partition !== undefined) {
        const seen = keyPartitions[p.key] ?? [];
        if (!seen.includes(p.partition)) keyPartitions[p.key] = [...seen, p.partition];
      }
    const classOf = (p: PostRecord): NonOkClass =>
      p.key === undefined
        ? 'keyless'
        : // A key never acknowledged falls back to the partition it was chosen for.
          (keyPartitions[p.key] ?? [keys.indexOf(p.key)]).some((partition) =>
              ledAtCut.includes(partition),
            )
          ? 'keyed-led'
          : 'keyed-other';
    // By the time of the answer: a POST sent before the cut and answered during it felt the fault.
    const phaseOf = (p: PostRecord): Phase => {
      const end = p.startedAt + p.ms;
      return end < faultAt ? 'before' : end < healedAt ? 'during' : 'after';
    };
    const audited: AuditedPost[] = posts.map((p) => ({
      ...p,
      phase: phaseOf(p),
      inFlightAtCut: p.startedAt < faultAt && p.startedAt + p.ms >= faultAt,
      class: classOf(p),
    }));
    const lastAnswer = Math.max(stoppedAt, largest(posts.map((p) => p.startedAt + p.ms)));
    const bounds: Record<Phase, [number, number]> = {
      before: [loadStartedAt, faultAt],
      during: [faultAt, healedAt],
      after: [healedAt, lastAnswer],
    };
    const phases = (['before', 'during', 'after'] as const).map((phase): PhaseStats => {
      const [from, to] = bounds[phase];
      const inPhase = audited.filter((p) => p.phase === phase);
      const answered = inPhase.filter((p) => p.status !== 0);
      const byStatus: Record<string, number> = {};
      for (const p of inPhase) {
        const status = p.status === 0 ? `none (${p.error})` : String(p.status);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
      }
      const ok = inPhase.filter((p) => p.status === 200).map((p) => p.ms);
      const nonOk = inPhase.filter((p) => p.status !== 200);
      return {
        phase,
        from,
        to,
        answered: answered.length,
        perSecond: answered.length / Math.max(0.001, (to - from) / 1000),
        byStatus,
        okP99Ms: percentile(ok, 99),
        okMaxMs: largest(ok),
        nonOk: {
          'keyed-led': nonOk.filter((p) => p.class === 'keyed-led'),
          'keyed-other': nonOk.filter((p) => p.class === 'keyed-other'),
          keyless: nonOk.filter((p) => p.class === 'keyless'),
        },
      };
    });

    // The Java reader meets settled leaders; an acknowledged record must be there whole or not.
    await cluster
      .waitUntilWhole(120_000)
      .catch((error: unknown) => log(`[audit] ${String(error)}`));
    const bootstrap = cluster.nodes.map((n) => n.adminBroker).join(',');
    const records = await readTopicWithJava(bootstrap, topic);
    const at = new Map(records.map((r) => [`${r.partition}:${r.offset}`, r]));
    const copies = new Map<string, number>();
    for (const r of records) copies.set(r.value, (copies.get(r.value) ?? 0) + 1);
    const unavailable = audited.filter((p) => p.status === 503);
    const writtenOf = (c: NonOkClass): readonly [number, number] => {
      const of = unavailable.filter((p) => p.class === c);
      return [of.filter((p) => copies.has(p.value)).length, of.length];
    };
    const unanswered = posts.filter((p) => p.status === 0);
    return {
      fault,
      idempotencyKeys,
      node: picked.node,
      pickedBecause: picked.because,
      activeControllerAtCut: controller,
      loadStartedAt,
      faultAt,
      healedAt,
      stoppedAt,
      leadersAtCut,
      ledAtCut,
      leadersNearHoldEnd,
      leadersAfter,
      keyPartitions,
      phases,
      readBack: {
        records: records.length,
        ackedMissingOrMisplaced: posts
          .filter((p) => p.status === 200)
          .filter((p) => {
            const r = at.get(`${p.partition}:${p.offset}`);
            return r?.value !== p.value || r.key !== p.key;
          })
          .map((p) => `${p.value} at ${p.partition}:${p.offset}`),
        duplicated: [...copies].filter(([, n]) => n > 1).map(([value]) => value),
        unavailable: unavailable.length,
        unavailableWritten: unavailable.filter((p) => copies.has(p.value)).length,
        unavailableWrittenByClass: {
          'keyed-led': writtenOf('keyed-led'),
          'keyed-other': writtenOf('keyed-other'),
          keyless: writtenOf('keyless'),
        },
        unanswered: unanswered.length,
        unansweredWritten: unanswered.filter((p) => copies.has(p.value)).length,
      },
      warnings,
      produceTimeoutMs: PRODUCE_TIMEOUT_MS,
    };
  } finally {
    chaos?.close();
    await server?.close();
    await producer?.close();
    await cluster?.stop();
  }
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** `n (k in flight at the cut; took …)` for a class of non-200s: every time when few, else min / p50 / max. */
function nonOkCell(posts: readonly AuditedPost[]): string {
  if (posts.length === 0) return '0';
  const ms = posts.map((p) => p.ms).sort((a, b) => a - b);
  const inFlight = posts.filter((p) => p.inFlightAtCut).length;
  const took =
    ms.length <= 6
      ? `${ms.map((m) => (m / 1000).toFixed(2)).join(', ')} s`
      : `${s(ms[0] ?? 0)} / ${s(percentile(ms, 50))} / ${s(ms.at(-1) ?? 0)} (min / p50 / max)`;
  return `${posts.length} (${inFlight} in flight at the cut; took ${took})`;
}

/** A problem+json body's `detail`, or the body's start when it is not one. */
function problemDetail(body: string): string {
  try {
    const { detail } = JSON.parse(body) as { detail?: unknown };
    if (typeof detail === 'string') return detail;
  } catch {
    // Not JSON: the body itself says what happened.
  }
  return body.slice(0, 140);
}

/** Each distinct reason given for a non-200, by phase and class, with how long each such POST took. */
function nonOkDetails(result: LeaderCutAuditResult): string[] {
  const took = new Map<string, number[]>();
  for (const phase of result.phases)
    for (const posts of Object.values(phase.nonOk))
      for (const p of posts) {
        const what = `${phase.phase}, ${p.class}, ${p.status}: ${p.detail ?? p.error ?? ''}`;
        took.set(what, [...(took.get(what) ?? []), p.ms]);
      }
  if (took.size === 0) return [];
  return [
    'Non-200 answers, why:',
    ...[...took].map(([what, ms]) => `- ${ms.length}× ${what} (took ${ms.map(s).join(', ')})`),
    '',
  ];
}

/** The audit as Markdown: what happened when, the per-phase table, the read-back, and the apps' warnings. */
export function auditReport(result: LeaderCutAuditResult): string {
  const t = (at: number): string => `t+${s(at - result.loadStartedAt)}`;
  const row = (name: string, cell: (p: PhaseStats) => string): string =>
    `| ${name} | ${result.phases.map(cell).join(' | ')} |`;
  const rb = result.readBack;
  const during = result.warnings.filter((w) => w.at >= result.faultAt && w.at < result.healedAt);
  const counted = new Map<string, number>();
  for (const w of during) {
    const what = `${w.app} ${w.level >= 50 ? 'error' : 'warn'}: ${w.msg.slice(0, 140)}`;
    counted.set(what, (counted.get(what) ?? 0) + 1);
  }
  return [
    `### ${result.fault} of node ${result.node}${result.idempotencyKeys ? ', every POST with a new Idempotency-Key' : ''}`,
    '',
    `- node ${result.node} picked: ${result.pickedBecause}; active controller at the cut: ${result.activeControllerAtCut ?? 'unknown'}`,
    `- fault started ${new Date(result.faultAt).toISOString()} (${t(result.faultAt)}), healed ${t(result.healedAt)} (held ${s(result.healedAt - result.faultAt)}), clients stopped ${t(result.stoppedAt)}`,
    `- partitions node ${result.node} led at the cut: ${result.ledAtCut.join(', ') || 'none'} (leaders then ${JSON.stringify(result.leadersAtCut)})`,
    `- leaders 2 s before the heal, as the other brokers saw them: ${JSON.stringify(result.leadersNearHoldEnd)}; 10 s after the heal: ${JSON.stringify(result.leadersAfter)}`,
    `- keys → partitions (from the acknowledgements): ${Object.entries(result.keyPartitions)
      .map(([k, p]) => `${k}→${p.join('+')}`)
      .join(', ')}`,
    '',
    '| | before | during | after |',
    '|---|---|---|---|',
    row('window', (p) => `${t(p.from)} – ${t(p.to)}`),
    row('POSTs answered', (p) => String(p.answered)),
    row('POSTs/s', (p) => p.perSecond.toFixed(0)),
    row('answers by status', (p) =>
      Object.entries(p.byStatus)
        .map(([status, n]) => `${status}: ${n}`)
        .join(', '),
    ),
    row('200 latency p99 / max', (p) => `${s(p.okP99Ms)} / ${s(p.okMaxMs)}`),
    row('non-200, keyed, partition led by the faulted broker', (p) =>
      nonOkCell(p.nonOk['keyed-led']),
    ),
    row('non-200, keyed, other partitions', (p) => nonOkCell(p.nonOk['keyed-other'])),
    row('non-200, keyless', (p) => nonOkCell(p.nonOk.keyless)),
    '',
    ...nonOkDetails(result),
    '| topic read back (Java client) | |',
    '|---|---:|',
    `| records in the topic | ${rb.records} |`,
    `| acknowledged, missing or not at the named offset | ${rb.ackedMissingOrMisplaced.length} |`,
    `| values duplicated in the topic | ${rb.duplicated.length} |`,
    `| 503s whose value is in the topic anyway | ${rb.unavailableWritten} of ${rb.unavailable} (${Object.entries(
      rb.unavailableWrittenByClass,
    )
      .map(([c, [written, all]]) => `${c} ${written}/${all}`)
      .join(', ')}) |`,
    `| unanswered POSTs whose value is in the topic | ${rb.unansweredWritten} of ${rb.unanswered} |`,
    '',
    `Apps' warnings and errors during the fault: ${during.length}${counted.size > 0 ? '' : ' (none)'}`,
    ...[...counted].map(([what, n]) => `- ${n}× ${what}`),
  ].join('\n');
}
