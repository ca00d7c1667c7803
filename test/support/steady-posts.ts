/** One POST of a steady stream and how it ended. */
export interface PostOutcome {
  readonly value: string;
  /** HTTP status, or 0 when the request failed or was given up on (a hang). */
  readonly status: number;
  readonly startedAt: number;
  readonly ms: number;
}

/** A steady stream of POSTs running in the background. */
export interface SteadyPosts {
  acknowledged(): string[];
  /** Stops sending and resolves with every outcome once the last request has ended. */
  stop(): Promise<PostOutcome[]>;
}

/**
 * POSTs `${prefix}-<n>` to `url` every `intervalMs` whatever the answers (an open loop, as users
 * keep arriving while Kafka is slow), so a stall shows as requests waiting, not as a lower rate.
 * A request still waiting after `giveUpMs` is cut and recorded as status 0: a hang.
 */
export function steadyPosts(
  url: string,
  prefix: string,
  intervalMs: number,
  giveUpMs: number,
): SteadyPosts {
  const done: PostOutcome[] = [];
  const waiting = new Set<Promise<void>>();
  let sequence = 0;
  const post = async (): Promise<void> => {
    const value = `${prefix}-${sequence++}`;
    const startedAt = Date.now();
    let status = 0;
    try {
      const res = await fetch(url, {
        method: 'POST',
        body: value,
        headers: { 'Content-Type': 'text/plain' },
        signal: AbortSignal.timeout(giveUpMs),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0;
    }
    done.push({ value, status, startedAt, ms: Date.now() - startedAt });
  };
  const timer = setInterval(() => {
    const request = post();
    waiting.add(request);
    void request.finally(() => waiting.delete(request));
  }, intervalMs);
  return {
    acknowledged: () => done.filter((o) => o.status === 200).map((o) => o.value),
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...waiting]);
      return [...done].sort((a, b) => a.startedAt - b.startedAt);
    },
  };
}
