import { request, type ClientRequest } from 'node:http';
import { parseEvents } from '../support/sse-client.js';
import type { SeededRandom } from './seeded-random.js';

/** One event as a campaign SSE client received it. */
export interface ReceivedEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
  readonly at: number;
  /** Which connection of this client (0 = the first): a reconnect starts the next. */
  readonly connection: number;
}

/** An SSE client of the campaign: what it asked for and everything it received over its connections. */
export interface StreamClientLog {
  readonly name: string;
  readonly key: string | undefined;
  /** Whether it disconnects on purpose now and then (its lag is not the stream's). */
  readonly resumes: boolean;
  readonly events: readonly ReceivedEvent[];
  readonly connections: number;
}

export interface StreamClient {
  log(): StreamClientLog;
  close(): void;
}

/**
 * An SSE client that reconnects with Last-Event-ID whenever its stream ends (as EventSource
 * does), and with `resumeEveryMs` also hangs up on purpose at random moments in that range.
 */
export async function streamClient(
  url: string,
  options: {
    name: string;
    key?: string;
    resumeEveryMs?: readonly [number, number];
    random: SeededRandom;
  },
): Promise<StreamClient> {
  const received: ReceivedEvent[] = [];
  let connection = -1;
  let closed = false;
  let current: ClientRequest | undefined;
  let hangUp: NodeJS.Timeout | undefined;
  const target = options.key === undefined ? url : `${url}?key=${encodeURIComponent(options.key)}`;
  let lastId: string | undefined;
  const reconnect = async (): Promise<void> => {
    clearTimeout(hangUp);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (closed) return;
      try {
        await connect();
        return;
      } catch {
        // the consumer is not listening: try again, as EventSource does
      }
    }
  };
  const connect = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {
        Accept: 'text/event-stream',
        ...(lastId ? { 'Last-Event-ID': lastId } : {}),
      };
      const req = request(target, { headers }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`status ${res.statusCode}`));
          return;
        }
        connection += 1;
        const number = connection;
        current = req;
        let pending = '';
        res.setEncoding('utf8');
        // Parsed as it arrives (a long run's stream is megabytes: never parse it all again).
        res.on('data', (chunk: string) => {
          pending += chunk;
          const end = pending.lastIndexOf('\n\n');
          if (end === -1) return;
          const complete = pending.slice(0, end + 2);
          pending = pending.slice(end + 2);
          const at = Date.now();
          for (const e of parseEvents(complete)) {
            received.push({ event: e.event, id: e.id, data: e.data, at, connection: number });
            if (e.id !== undefined) lastId = e.id;
          }
        });
        let ended = false;
        const end = (): void => {
          if (ended) return;
          ended = true;
          if (!closed) void reconnect();
        };
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
        if (options.resumeEveryMs) {
          const [min, max] = options.resumeEveryMs;
          hangUp = setTimeout(() => req.destroy(), options.random.int(min, max));
        }
        resolve();
      });
      req.on('error', reject);
      req.end();
    });
  await connect();
  return {
    log: () => ({
      name: options.name,
      key: options.key,
      resumes: options.resumeEveryMs !== undefined,
      events: [...received],
      connections: connection + 1,
    }),
    close: () => {
      closed = true;
      clearTimeout(hangUp);
      current?.destroy();
    },
  };
}
