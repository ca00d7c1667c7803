import { randomUUID } from 'node:crypto';
import { listen, type Listener } from './sse-listener.js';
import { percentile, sleep } from './stats.js';

/** One step of the fan-out ramp. */
export interface FanOutStep {
  readonly clients: number;
  readonly p99: number;
  /** Deliveries seen / expected (messages x clients). */
  readonly delivered: number;
  readonly rssBytes: number;
}

export interface FanOutResult {
  readonly steps: readonly FanOutStep[];
  /** The most clients held with every message delivered and p99 under 1 s. */
  readonly maxClients: number;
  /** (RSS at maxClients - RSS with no client) / maxClients. */
  readonly rssPerClientBytes: number;
}

/**
 * Ramps SSE clients up through `steps`, sending 10 messages/s for `seconds` at each step, and
 * records p99 delivery and the server's memory. Stops at the first step that misses the goal.
 */
export async function fanOut(options: {
  postUrl: string;
  streamUrl: string;
  rss: () => Promise<number>;
  steps: readonly number[];
  seconds: number;
}): Promise<FanOutResult> {
  const listeners: Listener[] = [];
  const stamp = new Map<string, number>();
  let latencies: number[] = [];
  const onData = (data: string): void => {
    const sentAt = stamp.get(data);
    if (sentAt !== undefined) latencies.push(performance.now() - sentAt);
  };
  const baseRss = await options.rss();
  const results: FanOutStep[] = [];
  let maxClients = 0;
  let rssAtMax = baseRss;
  try {
    for (const target of options.steps) {
      while (listeners.length < target) {
        const batch = Math.min(200, target - listeners.length);
        listeners.push(...(await Promise.all(Array.from({ length: batch }, () => listen(options.streamUrl, onData)))));
      }
      await sleep(1000);
      latencies = [];
      stamp.clear();
      const runId = randomUUID();
      for (let i = 0; i < options.seconds * 10; i++) {
        const body = `${runId}:${i}`;
        stamp.set(body, performance.now());
        void fetch(options.postUrl, { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } }).then((r) => r.arrayBuffer()).catch(() => {});
        await sleep(100);
      }
      await sleep(1500);
      const step: FanOutStep = {
        clients: target,
        p99: percentile(latencies, 99),
        delivered: latencies.length / (stamp.size * target),
        rssBytes: await options.rss(),
      };
      results.push(step);
      if (step.p99 >= 1000 || step.delivered < 0.999) break;
      maxClients = target;
      rssAtMax = step.rssBytes;
    }
  } finally {
    listeners.forEach((l) => l.close());
  }
  return { steps: results, maxClients, rssPerClientBytes: maxClients === 0 ? Number.NaN : (rssAtMax - baseRss) / maxClients };
}
