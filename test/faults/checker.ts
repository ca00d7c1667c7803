import type { FaultWindow } from './nemesis.js';
import type { PostRecord } from './post-clients.js';
import type { TopicRecord } from './read-topic-java.js';
import type { StreamClientLog } from './stream-clients.js';

/** What the checker found: counts for the table, and every violation by name (empty lists pass). */
export interface CheckResult {
  readonly posts: number;
  readonly acked: number;
  readonly unavailable: number;
  /** 503s whose record is in the topic anyway (allowed: the outcome was unknown when answered). */
  readonly unavailableWritten: number;
  /** Every value found in the topic. */
  readonly writtenValues: ReadonlySet<string>;
  /** 503s answered after the whole produce timeout (allowed, counted). */
  readonly unavailableTimedOut: number;
  /** 503s in the two-down window (allowed). */
  readonly unavailableTwoDown: number;
  /** 503s answered before the produce timeout while a majority stood. */
  readonly unavailableEarly: readonly PostRecord[];
  /** Answers other than 200 and 503 (and 409 to a retry with its Idempotency-Key), and hangs (no answer within the give-up time). */
  readonly other: readonly PostRecord[];
  /** With retrying clients: values posted, and those no try of which was answered 200. */
  readonly values: number;
  readonly neverAcknowledged: readonly string[];
  /**
   * Requests whose connection failed before any answer (a reset, a socket the server closed as
   * the client reused it): the HTTP client's view, counted and listed apart, outcome unknown.
   */
  readonly connectionErrors: readonly PostRecord[];
  /** 200s whose value is not at the partition and offset they named. */
  readonly lostOrMisplaced: readonly string[];
  /** Values found more than once in the topic. */
  readonly duplicated: readonly string[];
  /** Keys found on more than one partition. */
  readonly keysSplit: readonly string[];
  /** 200s during the two-down window that started and ended in it (not durable: one replica up). */
  readonly okWhileTwoDown: readonly PostRecord[];
  /** Per SSE client: acked records of its filter it never got (and no gap event covers), repeats, and out-of-order deliveries. */
  readonly stream: readonly {
    readonly client: string;
    readonly missing: number;
    readonly missingCoveredByGap: number;
    readonly repeated: number;
    readonly outOfOrder: number;
    readonly foreign: number;
    readonly connections: number;
  }[];
  /** Ack-to-delivery times (ms) on the clients that never hung up on purpose, with the ack time. */
  readonly lags: readonly { readonly ackAt: number; readonly ms: number }[];
}

/** Whether a check found nothing wrong: the list of what went wrong, empty when all passed. */
export function violations(result: CheckResult): string[] {
  const found: string[] = [];
  const list = (name: string, items: readonly unknown[]): void => {
    if (items.length > 0)
      found.push(`${name}: ${items.length} (${JSON.stringify(items.slice(0, 3))})`);
  };
  list('acknowledged but not at the named partition and offset', result.lostOrMisplaced);
  list('duplicated in the topic', result.duplicated);
  list('keys on more than one partition', result.keysSplit);
  list('answers other than 200/503, or hangs', result.other);
  list('values never acknowledged, retried with their Idempotency-Key', result.neverAcknowledged);
  list('503 before the produce timeout while a majority stood', result.unavailableEarly);
  list('200 for a POST made and answered while two brokers were down', result.okWhileTwoDown);
  for (const s of result.stream) {
    if (s.missing + s.repeated + s.outOfOrder + s.foreign > 0)
      found.push(
        `SSE client ${s.client}: ${s.missing} missing, ${s.repeated} repeated, ${s.outOfOrder} out of order, ${s.foreign} not in the topic`,
      );
  }
  return found;
}

export interface CheckInput {
  readonly posts: readonly PostRecord[];
  readonly topic: readonly TopicRecord[];
  readonly clients: readonly StreamClientLog[];
  readonly faults: readonly FaultWindow[];
  readonly produceTimeoutMs: number;
}

/** The first `partition:offset` pair of an event id: where the event's record sits. */
function positionOf(id: string | undefined): { partition: number; offset: bigint } | undefined {
  const first = id?.split(',')[0]?.split(':');
  if (first?.length !== 2) return undefined;
  return { partition: Number(first[0]), offset: BigInt(first[1] ?? '') };
}

/** Checks every acknowledgement against the topic as read back, and every SSE client's deliveries. */
export function check(input: CheckInput): CheckResult {
  const { posts, topic, clients, faults, produceTimeoutMs } = input;
  const at = new Map(topic.map((r) => [`${r.partition}:${r.offset}`, r]));
  const byValue = new Map<string, TopicRecord[]>();
  for (const r of topic) byValue.set(r.value, [...(byValue.get(r.value) ?? []), r]);
  const partitionsOfKey = new Map<string, Set<number>>();
  for (const r of topic)
    if (r.key !== undefined)
      partitionsOfKey.set(r.key, (partitionsOfKey.get(r.key) ?? new Set()).add(r.partition));

  const twoDown = faults.filter((f) => f.kind === 'two-down');
  // From the moment the two brokers went down until the cluster was whole: 503s are expected.
  const inTwoDown = (p: PostRecord): boolean =>
    twoDown.some((f) => p.startedAt + p.ms >= f.from && p.startedAt <= f.wholeAt);
  const acked = posts.filter((p) => p.status === 200);
  const unavailable = posts.filter((p) => p.status === 503);
  const timedOut = (p: PostRecord): boolean => p.ms >= produceTimeoutMs - 250;

  const lostOrMisplaced = acked
    .filter((p) => {
      const r = at.get(`${p.partition}:${p.offset}`);
      return !r || r.value !== p.value || r.key !== p.key;
    })
    .map((p) => `${p.value} at ${p.partition}:${p.offset}`);

  const ackedByValue = new Map(acked.map((p) => [p.value, p]));
  const stream = clients.map((client) => {
    const wanted = acked.filter((p) => client.key === undefined || p.key === client.key);
    const seen = new Map<string, number>();
    const lastOffset = new Map<number, bigint>();
    let outOfOrder = 0;
    let foreign = 0;
    let gaps = 0;
    for (const e of client.events) {
      if (e.event === 'gap') {
        gaps += 1;
        continue;
      }
      const position = positionOf(e.id);
      const record = position ? at.get(`${position.partition}:${position.offset}`) : undefined;
      if (!position || !record || record.value !== e.data) {
        foreign += 1;
        continue;
      }
      seen.set(e.data, (seen.get(e.data) ?? 0) + 1);
      const last = lastOffset.get(position.partition);
      if (last !== undefined && position.offset <= last) outOfOrder += 1;
      lastOffset.set(position.partition, position.offset);
    }
    const missing = wanted.filter((p) => !seen.has(p.value)).length;
    return {
      client: client.name,
      missing: gaps > 0 ? 0 : missing,
      missingCoveredByGap: gaps > 0 ? missing : 0,
      repeated: [...seen.values()].filter((count) => count > 1).length,
      outOfOrder,
      foreign,
      connections: client.connections,
    };
  });

  const lags: { ackAt: number; ms: number }[] = [];
  for (const client of clients.filter((c) => !c.resumes)) {
    for (const e of client.events) {
      const post = ackedByValue.get(e.data);
      if (post)
        lags.push({ ackAt: post.startedAt + post.ms, ms: e.at - (post.startedAt + post.ms) });
    }
  }

  return {
    posts: posts.length,
    acked: acked.length,
    unavailable: unavailable.length,
    unavailableWritten: unavailable.filter((p) => byValue.has(p.value)).length,
    writtenValues: new Set(byValue.keys()),
    unavailableTimedOut: unavailable.filter((p) => !inTwoDown(p) && timedOut(p)).length,
    unavailableTwoDown: unavailable.filter(inTwoDown).length,
    unavailableEarly: unavailable.filter((p) => !inTwoDown(p) && !timedOut(p)),
    other: posts.filter(
      (p) =>
        p.status !== 200 &&
        p.status !== 503 &&
        !(p.status === 409 && p.attempt !== undefined) &&
        (p.status !== 0 || p.error === 'timeout'),
    ),
    values: new Set(posts.map((p) => p.value)).size,
    neverAcknowledged: posts.some((p) => p.attempt !== undefined)
      ? [...new Set(posts.map((p) => p.value))].filter((value) => !ackedByValue.has(value))
      : [],
    connectionErrors: posts.filter((p) => p.status === 0 && p.error !== 'timeout'),
    lostOrMisplaced,
    duplicated: [...byValue].filter(([, records]) => records.length > 1).map(([value]) => value),
    keysSplit: [...partitionsOfKey]
      .filter(([, partitions]) => partitions.size > 1)
      .map(([key]) => key),
    // A replay answers a write made earlier, while the cluster was whole.
    okWhileTwoDown: acked.filter(
      (p) =>
        !p.replayed &&
        twoDown.some(
          (f) => p.startedAt >= f.from && p.startedAt + p.ms <= (f.majorityBackAt ?? f.healedAt),
        ),
    ),
    stream,
    lags,
  };
}
