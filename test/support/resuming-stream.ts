import { openStream, type SseEvent, type SseStream } from './sse-client.js';

/** An SSE client that reconnects with Last-Event-ID whenever its stream ends, as an EventSource does. */
export interface ResumingStream {
  /** Every event received, over all connections. */
  events(): SseEvent[];
  /** When (epoch ms, to 50 ms) the event with this data first arrived. */
  arrivedAt(data: string): number | undefined;
  /** How many times the stream ended and was opened again. */
  reconnects(): number;
  close(): void;
}

/** Opens `url` and keeps it open, resuming after the last event id it saw. */
export async function resumingStream(url: string, retryMs = 500): Promise<ResumingStream> {
  const received: SseEvent[] = [];
  let reconnects = 0;
  let closed = false;
  let current: SseStream | undefined;
  let counted = 0;
  const arrivals = new Map<string, number>();
  const collect = (): void => {
    const events = current?.events() ?? [];
    const now = Date.now();
    for (const event of events.slice(counted)) {
      received.push(event);
      if (!arrivals.has(event.data)) arrivals.set(event.data, now);
    }
    counted = events.length;
  };
  const sampler = setInterval(collect, 50);
  const connect = async (): Promise<void> => {
    const lastId = [...received].reverse().find((e) => e.id !== undefined)?.id;
    current = await openStream(url, lastId ? { 'Last-Event-ID': lastId } : {});
    counted = 0;
    const stream = current;
    void stream.ended.then(async () => {
      if (closed || current !== stream) return;
      collect();
      reconnects += 1;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        if (closed) return;
        try {
          await connect();
          return;
        } catch {
          // the consumer is not listening (yet): try again, as EventSource does
        }
      }
    });
  };
  await connect();
  return {
    events: () => {
      collect();
      return [...received];
    },
    arrivedAt: (data) => {
      collect();
      return arrivals.get(data);
    },
    reconnects: () => reconnects,
    close: () => {
      clearInterval(sampler);
      closed = true;
      current?.close();
    },
  };
}
