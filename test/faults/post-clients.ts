import type { SeededRandom } from './seeded-random.js';

/** One POST of the campaign and how it ended. */
export interface PostRecord {
  readonly value: string;
  readonly key: string | undefined;
  /** HTTP status, or 0 when the request failed or was cut after the give-up time (a hang). */
  readonly status: number;
  readonly startedAt: number;
  readonly ms: number;
  /** Where the producer said it wrote the record (200 only). */
  readonly partition?: number;
  readonly offset?: string;
  /** Why a request got no answer: `timeout` (cut after the give-up time) or the socket error's code. */
  readonly error?: string;
  /** The problem's `detail` of a non-200 answer: why the producer refused or gave up. */
  readonly detail?: string;
  /** Which try of its value this was (1 first), when clients retry with an `Idempotency-Key`. */
  readonly attempt?: number;
  /** The 200 answered an earlier try's write (`Idempotent-Replayed`). */
  readonly replayed?: boolean;
}

/** The keys keyed clients choose from: few, so each partition sees several keys and each key many records. */
export const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'] as const;

export interface PostClients {
  /** POSTs so far with their outcome. */
  done(): readonly PostRecord[];
  /** Stops sending and resolves with every POST once the last one has ended. */
  stop(): Promise<PostRecord[]>;
}

/**
 * `clients` open loops, each POSTing one JSON value every `intervalMs` and asking for a JSON ack;
 * even-numbered clients send a key chosen at random, odd ones none. Every value is unique
 * (`{"run","c","n"}`), so the checker can find each one in the topic.
 */
export function postClients(
  producerUrl: string,
  options: {
    clients: number;
    intervalMs: number;
    giveUpMs: number;
    run: string;
    random: SeededRandom;
    /**
     * Each value is posted with an `Idempotency-Key` and tried again after any answer but 200 or
     * 422 (after its `Retry-After`, or half a second), for this long after the first try.
     */
    retryForMs?: number;
  },
): PostClients {
  const records: PostRecord[] = [];
  const waiting = new Set<Promise<void>>();
  const post = async (client: number, n: number): Promise<void> => {
    const key = client % 2 === 0 ? options.random.pick(KEYS) : undefined;
    const value = JSON.stringify({ run: options.run, c: client, n });
    const url = `${producerUrl}/messages${key === undefined ? '' : `?key=${key}`}`;
    if (options.retryForMs === undefined) {
      const { retryAfterMs: _, ...record } = await attempt(url, value, key);
      records.push(record);
      return;
    }
    const idempotencyKey = `${options.run}-${client}-${n}`;
    const until = Date.now() + options.retryForMs;
    for (let tries = 1; ; tries++) {
      const { retryAfterMs, ...record } = await attempt(url, value, key, { idempotencyKey, tries });
      records.push(record);
      if (record.status === 200 || record.status === 422 || Date.now() >= until) return;
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs ?? 500));
    }
  };
  const attempt = async (
    url: string,
    value: string,
    key: string | undefined,
    retrying?: { idempotencyKey: string; tries: number },
  ): Promise<PostRecord & { retryAfterMs?: number }> => {
    const startedAt = Date.now();
    let status = 0;
    let ack: { partition?: number; offset?: string } = {};
    let error: string | undefined;
    let replayed = false;
    let retryAfterMs: number | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        body: value,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          ...(retrying ? { 'Idempotency-Key': retrying.idempotencyKey } : {}),
        },
        signal: AbortSignal.timeout(options.giveUpMs),
      });
      const body = await res.text();
      status = res.status;
      replayed = res.headers.get('idempotent-replayed') === 'true';
      const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
      if (Number.isFinite(retryAfter)) retryAfterMs = retryAfter * 1000;
      if (status === 200) ack = JSON.parse(body) as { partition: number; offset: string };
    } catch (failure) {
      status = 0;
      const cause = (failure as { cause?: { code?: string } }).cause;
      error =
        (failure as Error).name === 'TimeoutError'
          ? 'timeout'
          : (cause?.code ?? (failure as Error).name);
    }
    return {
      value,
      key,
      status,
      startedAt,
      ms: Date.now() - startedAt,
      ...(status === 200 ? { partition: ack.partition, offset: ack.offset } : {}),
      ...(error ? { error } : {}),
      ...(retrying ? { attempt: retrying.tries, replayed } : {}),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  };
  const timers = Array.from({ length: options.clients }, (_, client) => {
    let n = 0;
    return setInterval(() => {
      const request = post(client, n++);
      waiting.add(request);
      void request.finally(() => waiting.delete(request));
    }, options.intervalMs);
  });
  return {
    done: () => records,
    stop: async () => {
      timers.forEach(clearInterval);
      await Promise.all([...waiting]);
      return [...records].sort((a, b) => a.startedAt - b.startedAt);
    },
  };
}
