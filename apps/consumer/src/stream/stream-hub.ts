import { formatStreamPosition, parseStreamPosition, type Logger, type StreamPosition } from '@demo-kafka/app-kit';
import { createSession, type Session } from 'better-sse';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsumerMetrics } from '../consumer-metrics.js';
import { ReplayBuffer } from './replay-buffer.js';
import { eventBuffer } from './sse-event-text.js';
import type { BufferedEvent, StreamRecord } from './stream-record.js';

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
  /** The client's own position while it is ahead of this process (its id came from a replica further on). */
  aheadOf: Map<number, bigint> | undefined;
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
        const own = this.#forClientAhead(client, added);
        if (own.length > 0 && this.#send(client, eventBuffer(own))) sent += own.length;
      } else if (this.#send(client, shared)) {
        sent += added.length;
      }
    }
    this.options.metrics.eventsSent.inc(sent);
  }

  /**
   * Serves one `GET /messages`: replays (after its Last-Event-ID, else from `since` ms, else the
   * whole buffer), then keeps the client for live events until it leaves.
   */
  async connect(req: IncomingMessage, res: ServerResponse, since?: number): Promise<void> {
    // Listened for before the session exists: a client that leaves while it is being set up
    // would otherwise never be removed (better-sse reports "connected" even then).
    let client: Client | undefined;
    let closed = false;
    res.once('close', () => {
      closed = true;
      if (client) this.#remove(client);
    });
    const session = await createSession(req, res, {
      keepAlive: this.options.keepAliveMs,
      retry: this.options.retryMs,
      serializer: (data: unknown) => String(data),
    });
    if (closed || res.destroyed) return;
    // A malformed id counts as none: the client gets the whole buffer.
    const position = parseStreamPosition(session.lastId);
    const replay = position || since === undefined ? this.buffer.after(position) : this.buffer.since(since);
    client = { session, res, aheadOf: position && this.#isAhead(position) ? new Map(position) : undefined };
    this.#clients.add(client);
    this.options.metrics.clients.set(this.#clients.size);
    const events = client.aheadOf ? this.#forClientAhead(client, replay.events) : replay.events;
    const notice = replay.gap
      ? { event: GAP_EVENT, text: `${position ? 'Last-Event-ID' : 'since'} is older than the replay buffer: resuming from the oldest buffered message` }
      : undefined;
    if ((notice || events.length > 0) && this.#send(client, eventBuffer(events, notice))) {
      this.options.metrics.eventsSent.inc(events.length);
    }
  }

  /** Ends every stream (shutdown): clients reconnect elsewhere and resume with Last-Event-ID. */
  closeAll(): void {
    for (const client of this.#clients) {
      client.res.end();
      // A client that does not take the end either is cut off, so shutdown is not held up.
      setTimeout(() => client.res.destroy(), 1000).unref();
    }
    this.#clients.clear();
    this.options.metrics.clients.set(0);
  }

  #remove(client: Client): void {
    if (this.#clients.delete(client)) this.options.metrics.clients.set(this.#clients.size);
  }

  /**
   * Events for a client whose id came from a replica further on: those it has not seen, with ids
   * that keep its own position where it is ahead, so a later resume repeats nothing. Once this
   * process has caught up with it, the client gets the shared events again.
   */
  #forClientAhead(client: Client, events: readonly BufferedEvent[]): BufferedEvent[] {
    const position = client.aheadOf;
    if (!position) return [...events];
    const own: BufferedEvent[] = [];
    for (const event of events) {
      if (event.offset <= (position.get(event.partition) ?? -1n)) continue;
      for (const [partition, offset] of parseStreamPosition(event.id) ?? []) {
        if (offset > (position.get(partition) ?? -1n)) position.set(partition, offset);
      }
      own.push({ ...event, id: formatStreamPosition(position, event.partition) });
    }
    if (!this.#isAhead(position)) client.aheadOf = undefined;
    return own;
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
      this.#remove(client);
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
