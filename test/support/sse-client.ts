import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { parseSseItems } from './sse-items.js';

/** One parsed Server-Sent Event. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** A stream read as curl would show it, parsed as an EventSource would. */
export interface SseStream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** The raw text so far. */
  raw(): string;
  /** The events so far (comments and `retry:` lines are not events). */
  events(): SseEvent[];
  /** Resolves once `count` events arrived; rejects after `timeoutMs`. */
  waitForEvents(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the stream ends, however (a proper end, a reset, an error). */
  ended: Promise<void>;
  /** Whether the server ended the response properly (not a reset or a cut). */
  completed(): boolean;
  close(): void;
}

/** Opens `GET url` with optional headers and resolves once the response head arrived. */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(
      url,
      { headers: { Accept: 'text/event-stream', ...headers } },
      (res) => {
        let raw = '';
        res.setEncoding('utf8');
        const waiters = new Set<() => void>();
        res.on('data', (chunk: string) => {
          raw += chunk;
          waiters.forEach((w) => {
            w();
          });
        });
        const ended = new Promise<void>((done) => {
          res.on('end', done);
          res.on('close', done);
          res.on('error', done);
        });
        const stream: SseStream = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          raw: () => raw,
          events: () => parseEvents(raw),
          waitForEvents: (count, timeoutMs = 15_000) =>
            new Promise((done, fail) => {
              const check = (): void => {
                const events = parseEvents(raw);
                if (events.length >= count) {
                  waiters.delete(check);
                  clearTimeout(timer);
                  done(events);
                }
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(
                  new Error(
                    `got ${parseEvents(raw).length} of ${count} events within ${timeoutMs} ms; stream so far:\n${raw.slice(-2000)}`,
                  ),
                );
              }, timeoutMs);
              waiters.add(check);
              check();
            }),
          ended,
          completed: () => res.complete,
          close: () => req.destroy(),
        };
        resolve(stream);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Parses complete events (those ended by a blank line) as the EventSource spec says. */
export function parseEvents(raw: string): SseEvent[] {
  // An EventSource dispatches an event without an `event:` field as `message`.
  return parseSseItems(raw).map(({ id, event, data }) => ({ id, event: event ?? 'message', data }));
}
