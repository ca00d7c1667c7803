import { openStream, type SseEvent, type SseStream } from './sse-client.js';

/** An SSE client that reconnects with Last-Event-ID whenever its stream ends, as an EventSource does. */
export interface ResumingStream {
  /** Every event received, over all connections. */
  events(): SseEvent[];
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
  const collect = (): void => {
    const events = current?.events() ?? [];
    received.push(...events.slice(counted));
    counted = events.length;
  };
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
    reconnects: () => reconnects,
    close: () => {
      closed = true;
      current?.close();
    },
  };
}
