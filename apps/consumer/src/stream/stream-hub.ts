import { parseStreamPosition, type Logger, type StreamPosition } from '@demo-kafka/app-kit';
import { createSession, type Session } from 'better-sse';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsumerMetrics } from '../consumer-metrics.js';
import { ReplayBuffer } from './replay-buffer.js';
import { eventBuffer } from './sse-event-text.js';
import type { StreamRecord } from './stream-record.js';

export interface StreamHubOptions {
  readonly replaySize: number;
  readonly maxClients: number;
  /** Unsent bytes a client may have queued before it is disconnected as too slow. */
  readonly maxClientBufferBytes: number;
  readonly keepAliveMs: number;
  readonly retryMs: number;
  readonly metrics: ConsumerMetrics;
  readonly logger: Logger;
}

/** One connected client. */
interface Client {
  readonly session: Session;
  readonly res: ServerResponse;
  /** Set while the client is ahead of this process (its id came from a replica further on): live events it already has are skipped. */
  aheadOf: StreamPosition | undefined;
}

/** The event a resuming client gets when records it missed are no longer buffered. */
export const GAP_EVENT = 'gap';

/**
 * Fans out the one Kafka consumer's records to every SSE client: replays the buffer (or the
 * part after a client's Last-Event-ID) on connect, then writes each batch once to all
 * clients, and disconnects a client whose unsent data passes the bound.
 */
export class StreamHub {
  readonly buffer: ReplayBuffer;
  readonly #clients = new Set<Client>();

  constructor(private readonly options: StreamHubOptions) {
    this.buffer = new ReplayBuffer(options.replaySize);
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Whether one more client may connect. */
  hasRoom(): boolean {
    return this.#clients.size < this.options.maxClients;
  }

  /** Adds consumed records to the buffer and sends them to every client. */
  publish(records: readonly StreamRecord[]): void {
    const added = this.buffer.append(records);
    this.options.metrics.recordsConsumed.inc(added.length);
    this.options.metrics.bufferedRecords.set(this.buffer.size);
    if (added.length === 0 || this.#clients.size === 0) return;
    // Built once and written as is to every client that is in step with the stream.
    const shared = eventBuffer(added);
    let sent = 0;
    for (const client of this.#clients) {
      if (client.aheadOf) {
        const ahead = client.aheadOf;
        const unseen = added.filter((e) => e.offset > (ahead.get(e.partition) ?? -1n));
        if ([...ahead].every(([p, o]) => (this.buffer.head.get(p) ?? -1n) >= o)) client.aheadOf = undefined;
        if (unseen.length > 0 && this.#send(client, eventBuffer(unseen))) sent += unseen.length;
      } else if (this.#send(client, shared)) {
        sent += added.length;
      }
    }
    this.options.metrics.eventsSent.inc(sent);
  }

  /** Serves one `GET /messages`: replays, then keeps the client for live events until it leaves. */
  async connect(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = await createSession(req, res, {
      keepAlive: this.options.keepAliveMs,
      retry: this.options.retryMs,
      serializer: (data: unknown) => String(data),
    });
    // A malformed id counts as none: the client gets the whole buffer.
    const position = parseStreamPosition(session.lastId);
    const replay = this.buffer.after(position);
    const client: Client = { session, res, aheadOf: position && this.#isAhead(position) ? position : undefined };
    this.#clients.add(client);
    this.options.metrics.clients.set(this.#clients.size);
    session.once('disconnected', () => {
      this.#clients.delete(client);
      this.options.metrics.clients.set(this.#clients.size);
    });
    const notice = replay.gap
      ? { event: GAP_EVENT, text: 'Last-Event-ID is older than the replay buffer: resuming from the oldest buffered message' }
      : undefined;
    if ((notice || replay.events.length > 0) && this.#send(client, eventBuffer(replay.events, notice))) {
      this.options.metrics.eventsSent.inc(replay.events.length);
    }
  }

  /** Ends every stream (shutdown): clients reconnect elsewhere and resume with Last-Event-ID. */
  closeAll(): void {
    for (const client of this.#clients) client.res.end();
    this.#clients.clear();
    this.options.metrics.clients.set(0);
  }

  /** Writes `buffer` to `client`; false if the client is gone or was dropped as too slow. */
  #send(client: Client, buffer: Parameters<Session['batch']>[0]): boolean {
    if (client.res.writableEnded || client.res.destroyed) return false;
    // better-sse ignores write()'s backpressure signal, so the hub bounds it: a client that has
    // not taken what it was sent before is too slow. Judged before writing, so a large replay or
    // batch to a client that reads promptly is fine; a client holds at most the bound plus one batch.
    if (client.res.writableLength > this.options.maxClientBufferBytes) {
      this.options.metrics.slowClientDisconnects.inc();
      this.options.logger.warn({ unsentBytes: client.res.writableLength }, 'disconnecting a client too slow to keep up');
      this.#clients.delete(client);
      this.options.metrics.clients.set(this.#clients.size);
      client.res.destroy();
      return false;
    }
    void client.session.batch(buffer);
    return true;
  }

  #isAhead(position: StreamPosition): boolean {
    return [...position].some(([p, o]) => o > (this.buffer.head.get(p) ?? -1n));
  }
}
