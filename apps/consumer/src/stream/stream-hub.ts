import {
  formatStreamPosition,
  parseStreamPosition,
  type Logger,
  type StreamPosition,
} from '@demo-kafka/app-kit';
import { createSession } from 'better-sse';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConsumerMetrics } from '../consumer-metrics.js';
import { NodeStreamConnection } from './node-stream-connection.js';
import { PacedPass } from './paced-pass.js';
import { ReplayBuffer, type Replay } from './replay-buffer.js';
import type { ResumePoints } from './resume-points.js';
import type { EventFormat } from './event-format.js';
import { recordFilter, type HeaderMatch, type RecordFilter } from './record-filter.js';
import { eventBytes, type Notice } from './sse-event-text.js';
import type { BufferedEvent, StreamRecord } from './stream-record.js';
import { catchUp, ownIds, type CatchUpClient, type CatchUpStart } from './catch-up.js';
import { recordBytes } from './replay-buffer.js';
import type { TopicHistory } from './topic-history.js';
import { StepPacer } from './step-pacer.js';

export { GAP_EVENT } from './resume-point-in-kafka.js';

export interface StreamHubOptions {
  readonly replaySize: number;
  /** Bytes of records the replay buffer may hold (see recordBytes). */
  readonly replayMaxBytes?: number;
  /** Resumes served from Kafka or in parts at once; more are refused (CatchUpsFullError). */
  readonly maxCatchUps: number;
  /** The topic as Kafka holds it, for resumes the buffer no longer reaches. */
  readonly history: TopicHistory;
  readonly maxClients: number;
  /** Unsent bytes a client may have queued before it is disconnected as too slow. */
  readonly maxClientBufferBytes: number;
  readonly keepAliveMs: number;
  readonly retryMs: number;
  readonly metrics: ConsumerMetrics;
  readonly logger: Logger;
  /** Told what each fan-out pass delivered (tracing); absent, nothing is counted. */
  readonly deliveries?: DeliveryObserver;
}

/** Watches deliveries: how many clients got each record, and when its pass is over. */
export interface DeliveryObserver {
  /** `events` were written to `clients` more clients. */
  delivered(events: readonly StreamRecord[], clients: number): void;
  /** The pass that took `records` (as published, redeliveries included) is over. */
  passEnded(records: readonly StreamRecord[]): void;
}

/** What a client asked for beyond its Last-Event-ID. */
export interface StreamRequest {
  /** Resume by time (ms since the epoch) when there is no Last-Event-ID. */
  readonly since?: number;
  /** Only records with this key (ids stay positions in the whole topic). */
  readonly key?: string | undefined;
  /** Only records with this header value (with `key`: both). */
  readonly header?: HeaderMatch | undefined;
  /** What each event's data is (default: the value as text). */
  readonly format?: EventFormat | undefined;
  /** When the stream ends (ms since the epoch): its access token expires then. */
  readonly endsAt?: number;
}

/** Clients that get the same bytes: the same filter (or none) and the same format. */
interface Group {
  readonly id: string;
  readonly filter: RecordFilter | undefined;
  readonly format: EventFormat;
  readonly clients: Set<Client>;
}

/** One connected client. */
interface Client {
  readonly res: ServerResponse;
  /** The response's socket, written to directly once the head is out (see `#send`). */
  readonly socket: Socket;
  /** Whether the response is chunked (HTTP/1.1), so each write needs chunk framing. */
  readonly chunked: boolean;
  /** Its group; the one registered when it joins the live stream (see `#join`). */
  group: Group;
  /** The client's own position while it is ahead of this process (its id came from a replica further on). */
  aheadOf: Map<number, bigint> | undefined;
  /** In its group, sent every batch; false while it catches up. */
  live: boolean;
  /** Gone: left, dropped as too slow, or ended at shutdown. */
  removed: boolean;
}

/** A resume that needs Kafka (or a large replay) while MAX_CATCH_UPS others are running. */
export class CatchUpsFullError extends Error {
  constructor(readonly running: number) {
    super(`${running} resumes are being caught up from Kafka; try again shortly`);
    this.name = 'CatchUpsFullError';
  }
}

/** A replay as written to a client: its bytes (none when there is nothing to send) and how many events they hold. */
interface EncodedReplay {
  readonly bytes: Frames | undefined;
  readonly count: number;
}

/**
 * Bytes written as is to many clients, with their HTTP/1.1 chunk framing built once too: a
 * chunked response frames each write as `<size in hex>\r\n<data>\r\n`, the same bytes for
 * every client of a batch.
 */
class Frames {
  #chunk: Buffer | undefined;

  /** `forOne`: written to one client only (its catch-up), so no framed copy is worth sharing. */
  constructor(
    readonly raw: Buffer,
    private readonly forOne = false,
  ) {}

  /** Writes them to a client's socket: framed as one chunk, or raw (HTTP/1.0: no chunking). */
  writeTo(socket: Socket, chunked: boolean): void {
    if (!chunked) socket.write(this.raw);
    else if (this.forOne && this.raw.length > COPY_FRAMING_BELOW_BYTES) {
      // Framed around the bytes rather than copied with its framing: a catching-up client of
      // large records would hold a second copy of them. A shared write keeps one framed copy
      // for all its clients, a single write each.
      socket.cork();
      socket.write(`${this.raw.length.toString(16)}\r\n`);
      socket.write(this.raw);
      socket.write(CRLF);
      socket.uncork();
    } else {
      this.#chunk ??= Buffer.concat([
        Buffer.from(`${this.raw.length.toString(16)}\r\n`),
        this.raw,
        CRLF,
      ]);
      socket.write(this.#chunk);
    }
  }
}

const CRLF = Buffer.from('\r\n');
/** A one-client write above this size is framed without a copy (see Frames.writeTo). */
const COPY_FRAMING_BELOW_BYTES = 64 * 1024;
const KEEP_ALIVE = new Frames(Buffer.from(':\n\n'));
/** After a fan-out pass, stay idle 1.5 times as long as it took before the next (about 40% of a core at most). */
const FAN_OUT_IDLE_RATIO = 1.5;
/** Replays kept encoded between two batches; a reconnect storm asks for few distinct ones. */
const MAX_CACHED_REPLAYS = 256;
/**
 * And at most this many bytes of them: each is a suffix of the buffer, so 256 of them could be
 * a hundred times its size (gigabytes with large messages) when clients resume from many places.
 */
export const MAX_CACHED_REPLAY_BYTES = 32 * 1024 * 1024;
/** A catching-up client is sent its next part once no more than this is still unsent to it. */
const DRAINED_BYTES = 64 * 1024;
/**
 * Catch-ups take their steps (a read from Kafka and its write, or a part of the buffer) one at a
 * time, each followed by this many times its own duration of idle time while live clients are
 * connected: at most a sixth of the process for all of them, however many there are, so the
 * live fan-out keeps its pace (with 2, a third, the bench's live p99 rose 1.5 times), and what
 * they hold at once is a step's worth.
 */
const CATCH_UP_IDLE_RATIO = 5;
/** With no live client to keep pace for, half the process (the probes still get the rest). */
const CATCH_UP_ALONE_IDLE_RATIO = 1;
/** How long a catching-up client may take nothing before it is dropped as too slow. */
export const CATCH_UP_STALL_MS = 10_000;
/** A stream that ends with its token is told so this long before (see TOKEN_EXPIRING_EVENT). */
export const EXPIRY_NOTICE_MS = 5_000;
/** The event that says the stream ends soon; its data is the time it ends (ISO 8601). */
export const TOKEN_EXPIRING_EVENT = 'token-expiring';
/** setTimeout's longest delay; a later end is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Fans out the one Kafka consumer's records to every SSE client: replays the buffer (or the
 * part after a client's Last-Event-ID) on connect, then encodes each batch once per group of
 * clients (all, or one key) and writes the same bytes to each, and disconnects a client whose
 * unsent data passes the bound. One keep-alive timer serves every client.
 */
export class StreamHub {
  readonly #buffer: ReplayBuffer;
  /** Takes the catch-ups' steps in turn (see CATCH_UP_IDLE_RATIO). */
  readonly #catchUpSteps: StepPacer;
  readonly #groups = new Map<string, Group>();
  /** Parts of large replays, encoded, by their first record (see #sendPart). */
  readonly #parts = new WeakMap<BufferedEvent, Map<string, EncodedReplay>>();
  /** Encoded replays by group and position, valid until the next batch. */
  readonly #replays = new Map<string, EncodedReplay>();
  #replayBytes = 0;
  #clientCount = 0;
  /** Streams being set up: counted against maxClients from the start, so a storm cannot overshoot it. */
  #connecting = 0;
  /** Clients catching up (from Kafka, or a large replay in parts), not yet in their group. */
  readonly #catchingUp = new Set<Client>();
  /** Catch-ups running or about to (counted from the request on, against maxCatchUps). */
  #catchUps = 0;
  #keepAlive: NodeJS.Timeout | undefined;
  /** closeAll() ran: the process is shutting down and keeps no new stream. */
  #closing = false;
  /** Records consumed and not yet fanned out (the pass is paced; see PacedPass). */
  #pending: StreamRecord[] = [];
  readonly #fanOut = new PacedPass(() => this.#publishPending(), FAN_OUT_IDLE_RATIO);

  constructor(private readonly options: StreamHubOptions) {
    this.#buffer = new ReplayBuffer(options.replaySize, options.replayMaxBytes);
    this.#catchUpSteps = new StepPacer(() =>
      this.#clientCount > this.#catchingUp.size ? CATCH_UP_IDLE_RATIO : CATCH_UP_ALONE_IDLE_RATIO,
    );
  }

  /** Where the Kafka source resumes each partition: answered by the replay buffer. */
  get resumePoints(): ResumePoints {
    return this.#buffer;
  }

  get clientCount(): number {
    return this.#clientCount;
  }

  /** Records held for replay. */
  get bufferedCount(): number {
    return this.#buffer.size;
  }

  /** Bytes of encoded replays kept for the next clients (bounded by MAX_CACHED_REPLAY_BYTES). */
  get cachedReplayBytes(): number {
    return this.#replayBytes;
  }

  /** Whether one more client may connect. */
  hasRoom(): boolean {
    return this.#clientCount + this.#connecting < this.options.maxClients;
  }

  /**
   * Adds consumed records to the buffer and sends them to every client: at once, or with the
   * next paced pass when the last one was recent and costly. They join the buffer only then,
   * so a client that connects meanwhile gets them live, not also in its replay; a redelivery
   * meanwhile is skipped when they join.
   */
  publish(records: readonly StreamRecord[]): void {
    // Not push(...records): a batch of many records would overflow the call's argument list.
    for (const record of records) this.#pending.push(record);
    this.#fanOut.request();
  }

  #publishPending(): void {
    const records = this.#pending;
    this.#pending = [];
    const added = this.#buffer.append(records);
    this.options.metrics.recordsConsumed.inc(added.length);
    this.options.metrics.bufferedRecords.set(this.#buffer.size);
    this.options.metrics.bufferedBytes.set(this.#buffer.bytes);
    const { deliveries } = this.options;
    if (added.length === 0) {
      deliveries?.passEnded(records);
      return;
    }
    this.#clearReplays();
    let sent = 0;
    for (const group of this.#groups.values()) {
      const { filter, format } = group;
      const events = filter === undefined ? added : added.filter(filter.matches);
      if (events.length === 0) continue;
      // Encoded once, written as the same Buffer to every client in step with the stream: a
      // client whose socket is full holds a reference to it, not a copy.
      let shared: Frames | undefined;
      let inStep = 0;
      for (const client of group.clients) {
        if (client.aheadOf) {
          const own = this.#forClientAhead(client, events);
          if (
            own.length > 0 &&
            this.#send(client, new Frames(eventBytes(own, undefined, format), true))
          ) {
            sent += own.length;
            deliveries?.delivered(own, 1);
          }
        } else {
          shared ??= new Frames(eventBytes(events, undefined, format));
          if (!this.#send(client, shared)) continue;
          sent += events.length;
          inStep++;
        }
      }
      if (inStep > 0) deliveries?.delivered(events, inStep);
    }
    this.options.metrics.eventsSent.inc(sent);
    deliveries?.passEnded(records);
  }

  /**
   * Serves one `GET /messages`: replays (after its Last-Event-ID, else from `since` ms, else the
   * whole buffer; only the records of `key` and `header` if given, in `format`), then keeps the
   * client for live events until it leaves. A resume the buffer no longer reaches, or a replay
   * too large to send at once, is caught up first (see catchUp); beyond `maxCatchUps` of those,
   * it throws CatchUpsFullError before anything is sent.
   */
  async connect(
    req: IncomingMessage,
    res: ServerResponse,
    request: StreamRequest = {},
  ): Promise<void> {
    // A malformed id counts as none: the client gets the whole buffer.
    const position = this.#knownPartitionsOf(parseStreamPosition(lastEventIdOf(req)));
    const { since } = request;
    let group = this.#groupOf(request);
    // Decided before the head is sent, so a refusal can still be a 503; decided again below,
    // as a batch may arrive meanwhile.
    const catchingUp = this.#replay(position, since, group) === undefined;
    // Only resumes are limited: a new client's large replay reads no Kafka, and its parts are
    // encoded once for all such clients (see #sendPart).
    let counted = false;
    if (catchingUp && (position !== undefined || since !== undefined)) {
      if (this.#catchUps >= this.options.maxCatchUps) {
        this.#dropIfEmpty(group);
        this.options.metrics.refusedCatchUps.inc();
        throw new CatchUpsFullError(this.#catchUps);
      }
      this.#startCatchUp();
      counted = true;
    }
    // Listened for before the session exists: a client that leaves while it is being set up
    // would otherwise never be removed (better-sse reports "connected" even then).
    let client: Client | undefined;
    let closed = false;
    res.once('close', () => {
      closed = true;
      if (client) this.#remove(client);
    });
    // keepAlive off: one timer for all clients instead of one per session.
    this.#connecting++;
    try {
      await createSession(new NodeStreamConnection(req, res), {
        keepAlive: null,
        retry: this.options.retryMs,
        serializer: String,
      }).finally(() => {
        this.#connecting--;
      });
    } catch (error) {
      if (counted) this.#endCatchUp();
      throw error;
    }
    // Shutdown began while this stream was being set up: closeAll did not see it, and a stream
    // kept now would hold the server's close until the shutdown timeout.
    if (closed || res.destroyed || this.#closing) {
      if (counted) this.#endCatchUp();
      this.#dropIfEmpty(group);
      if (!closed && !res.destroyed) res.end();
      return;
    }
    group = this.#groupOf(request);
    client = {
      res,
      socket: res.socket as Socket,
      chunked: res.chunkedEncoding,
      group,
      aheadOf: undefined,
      live: false,
      removed: false,
    };
    this.#clientCount++;
    this.options.metrics.clients.set(this.#clientCount);
    this.#keepAlive ??= setInterval(() => this.#sendKeepAlive(), this.options.keepAliveMs).unref();
    if (request.endsAt !== undefined) this.#endAt(client, request.endsAt);
    const replay = catchingUp ? undefined : this.#replay(position, since, group);
    if (replay) {
      this.#join(client);
      if (replay.bytes && this.#send(client, replay.bytes))
        this.options.metrics.eventsSent.inc(replay.count);
      return;
    }
    // (Had the buffer moved on since the check above, the client is caught up all the same.)
    void this.#catchUp(client, { position, since }, counted);
  }

  /** Ends every stream (shutdown): clients reconnect elsewhere and resume with Last-Event-ID. */
  closeAll(): void {
    this.#closing = true;
    const clients = [...this.#catchingUp];
    for (const group of this.#groups.values()) clients.push(...group.clients);
    for (const client of clients) {
      client.removed = true;
      client.res.end();
      // A client that does not take the end either is cut off, so shutdown is not held up.
      setTimeout(() => client.res.destroy(), 1000).unref();
    }
    this.#catchingUp.clear();
    this.#groups.clear();
    this.#clientCount = 0;
    this.#stopKeepAlive();
    this.#fanOut.cancel();
    this.#pending = [];
    this.options.metrics.clients.set(0);
  }

  /** Tells `client` its stream is about to end, then ends it at `endsAt`, unless it left first. */
  #endAt(client: Client, endsAt: number): void {
    const notice = Buffer.from(
      `event: ${TOKEN_EXPIRING_EVENT}\ndata: ${new Date(endsAt).toISOString()}\n\n`,
    );
    let timer: NodeJS.Timeout | undefined;
    const at = (time: number, then: () => void): void => {
      const wait = time - Date.now();
      timer =
        wait > MAX_TIMER_MS
          ? setTimeout(() => at(time, then), MAX_TIMER_MS)
          : setTimeout(then, Math.max(0, wait));
      timer.unref();
    };
    at(endsAt - EXPIRY_NOTICE_MS, () => {
      if (client.removed) return;
      this.#send(client, new Frames(notice));
      at(endsAt, () => {
        if (client.removed) return;
        this.#remove(client);
        client.res.end();
      });
    });
    client.res.once('close', () => clearTimeout(timer));
  }

  #groupOf(request: StreamRequest): Group {
    const filter = recordFilter(request.key, request.header);
    const format = request.format ?? 'text';
    const id = `${format}\n${filter?.id ?? ''}`;
    let group = this.#groups.get(id);
    if (!group) {
      group = { id, filter, format, clients: new Set() };
      this.#groups.set(id, group);
    }
    return group;
  }

  #remove(client: Client): void {
    if (client.removed) return;
    client.removed = true;
    if (client.live) {
      client.group.clients.delete(client);
      this.#dropIfEmpty(client.group);
    } else this.#catchingUp.delete(client);
    this.#clientCount--;
    this.options.metrics.clients.set(this.#clientCount);
    if (this.#clientCount === 0) this.#stopKeepAlive();
  }

  #dropIfEmpty(group: Group): void {
    if (group.clients.size === 0 && this.#groups.get(group.id) === group)
      this.#groups.delete(group.id);
  }

  /** Adds `client` to the live stream: sent every batch from now on. */
  #join(client: Client): void {
    this.#catchingUp.delete(client);
    // Its group may have been dropped (emptied) while it caught up: it joins the one in use now.
    const registered = this.#groups.get(client.group.id);
    if (registered) client.group = registered;
    else this.#groups.set(client.group.id, client.group);
    client.group.clients.add(client);
    client.live = true;
  }

  #startCatchUp(): void {
    this.#catchUps++;
    this.options.metrics.catchUps.set(this.#catchUps);
  }

  #endCatchUp(): void {
    this.#catchUps--;
    this.options.metrics.catchUps.set(this.#catchUps);
  }

  /** Brings `client` to the live stream from `start` (see catchUp); ends its stream if Kafka fails it. */
  async #catchUp(client: Client, start: CatchUpStart, counted: boolean): Promise<void> {
    this.#catchingUp.add(client);
    const { format, filter } = client.group;
    const target: CatchUpClient = {
      matches: filter?.matches,
      write: (events, notice, shared) =>
        shared
          ? this.#sendPart(client, events, format)
          : this.#sendEvents(client, events, notice, format),
      drained: () => this.#drained(client),
      gone: () => client.removed || client.res.destroyed,
      join: (position) => {
        if (client.removed) return;
        const rest = this.#buffer.after(position, filter?.matches).events;
        const owned = position ? new Map(position) : undefined;
        const events = owned ? ownIds(owned, rest) : rest;
        client.aheadOf = owned && this.#isAhead(owned) ? owned : undefined;
        this.#join(client);
        this.#sendEvents(client, events, undefined, format);
      },
      readFromKafka: (count) => this.options.metrics.catchUpRecords.inc(count),
    };
    try {
      await catchUp(
        target,
        {
          buffer: this.#buffer,
          history: this.options.history,
          isAhead: (position) => this.#isAhead(position),
          pace: (step) => this.#catchUpSteps.run(step),
        },
        start,
      );
    } catch (error) {
      // Nothing is lost: the client resumes from its last id when it reconnects.
      this.options.logger.warn(
        { err: error },
        'a resume could not be read from Kafka; ending the stream so the client resumes later',
      );
      if (!client.removed) {
        this.#remove(client);
        client.res.end();
      }
    } finally {
      this.#catchingUp.delete(client);
      if (counted) this.#endCatchUp();
    }
  }

  /** Writes events (and a notice first) to one client; false when it is gone. */
  #sendEvents(
    client: Client,
    events: readonly BufferedEvent[],
    notice: Notice | undefined,
    format: EventFormat,
  ): boolean {
    if (events.length === 0 && !notice) return !client.removed;
    if (!this.#send(client, new Frames(eventBytes(events, notice, format), true))) return false;
    this.options.metrics.eventsSent.inc(events.length);
    return true;
  }

  /**
   * Writes a part of the buffer as it is (its own ids) to a new client: encoded once for all the
   * clients that replay it, and kept while its first record is buffered (or being written).
   */
  #sendPart(client: Client, events: readonly BufferedEvent[], format: EventFormat): boolean {
    const first = events[0];
    if (!first) return !client.removed;
    let parts = this.#parts.get(first);
    if (!parts) {
      parts = new Map();
      this.#parts.set(first, parts);
    }
    const key = `${client.group.id}\n${events.length}`;
    let part = parts.get(key);
    if (!part) {
      part = { bytes: new Frames(eventBytes(events, undefined, format)), count: events.length };
      parts.set(key, part);
    }
    if (!part.bytes || !this.#send(client, part.bytes)) return false;
    this.options.metrics.eventsSent.inc(part.count);
    return true;
  }

  /**
   * Resolves once `client` holds little unsent, or is gone. One that takes nothing of what it
   * holds for CATCH_UP_STALL_MS is dropped as too slow, as a live client is at its next batch:
   * a catch-up slot is not held by a reader that stopped.
   */
  async #drained(client: Client): Promise<void> {
    const { res, socket } = client;
    let unsent = res.writableLength;
    while (!client.removed && unsent > DRAINED_BYTES) {
      const waiting = new AbortController();
      const { signal } = waiting;
      await Promise.race([
        once(socket, 'drain', { signal }),
        once(res, 'drain', { signal }),
        once(res, 'close', { signal }),
        delay(CATCH_UP_STALL_MS, undefined, { signal }),
      ]).catch(() => undefined);
      waiting.abort();
      if (res.writableLength >= unsent && !client.removed && !res.destroyed) {
        this.#dropSlow(client);
        return;
      }
      unsent = res.writableLength;
    }
  }

  /** The position without partitions the topic does not have (none left: no position). */
  #knownPartitionsOf(position: StreamPosition | undefined): StreamPosition | undefined {
    const buffer = this.#buffer;
    if (!position || !buffer.knowsPartitions) return position;
    if ([...position.keys()].every((p) => buffer.hasPartition(p))) return position;
    const known = new Map([...position].filter(([p]) => buffer.hasPartition(p)));
    return known.size > 0 ? known : undefined;
  }

  /**
   * The replay of a client in step with (or behind) this process, encoded once per group and
   * position until the next batch; undefined when it must be caught up instead: the buffer no
   * longer holds all it missed, its id is further on than this process, or the replay is
   * larger than a client may hold unsent.
   */
  #replay(
    position: StreamPosition | undefined,
    since: number | undefined,
    group: Group,
  ): EncodedReplay | undefined {
    if (!position && since !== undefined)
      return this.#encodeReplay(this.#buffer.since(since, group.filter?.matches), group.format);
    const cacheKey = `${group.id}\n${position ? formatStreamPosition(position) : ''}`;
    let encoded = this.#replays.get(cacheKey);
    if (!encoded) {
      if (position && this.#isAhead(position)) return undefined;
      encoded = this.#encodeReplay(
        this.#buffer.after(position, group.filter?.matches),
        group.format,
      );
      if (!encoded) return undefined;
      const bytes = encoded.bytes?.raw.length ?? 0;
      if (
        this.#replays.size >= MAX_CACHED_REPLAYS ||
        this.#replayBytes + bytes > MAX_CACHED_REPLAY_BYTES
      )
        this.#clearReplays();
      if (bytes <= MAX_CACHED_REPLAY_BYTES) {
        this.#replays.set(cacheKey, encoded);
        this.#replayBytes += bytes;
      }
    }
    return encoded;
  }

  /** The replay encoded, or undefined when it cannot be sent at once (a gap, or too large). */
  #encodeReplay(replay: Replay, format: EventFormat): EncodedReplay | undefined {
    if (replay.gap) return undefined;
    let bytes = 0;
    for (const event of replay.events) bytes += recordBytes(event);
    if (bytes > this.options.maxClientBufferBytes) return undefined;
    return {
      bytes:
        replay.events.length > 0
          ? new Frames(eventBytes(replay.events, undefined, format))
          : undefined,
      count: replay.events.length,
    };
  }

  /**
   * Events for a client whose id came from a replica further on: those it has not seen, with ids
   * that keep its own position where it is ahead, so a later resume repeats nothing. Once this
   * process has caught up with it, the client gets the shared events again.
   */
  #forClientAhead(client: Client, events: readonly BufferedEvent[]): BufferedEvent[] {
    const position = client.aheadOf;
    if (!position) return [...events];
    const own = ownIds(position, events);
    if (!this.#isAhead(position)) client.aheadOf = undefined;
    return own;
  }

  /** Writes `frames` to `client`; false if the client is gone or was dropped as too slow. */
  #send(client: Client, frames: Frames): boolean {
    const { res, socket } = client;
    if (res.writableEnded || res.destroyed || socket.destroyed) return false;
    // Nothing in better-sse watches write()'s backpressure signal, so the hub bounds it: a client that has
    // not taken what it was sent before is too slow. Judged before writing, so a large replay or
    // batch to a client that reads promptly is fine; a client holds at most the bound plus one batch.
    if (res.writableLength > this.options.maxClientBufferBytes) {
      this.#dropSlow(client);
      return false;
    }
    // Straight to the socket, the chunk framed already: ServerResponse.write() would frame it
    // anew with four writes and a deferred uncork per client, the largest cost of a delivery
    // at 19,000 clients. Only while the response itself holds nothing unsent (it does while an
    // earlier pipelined response on the socket is unfinished), so the order on the wire is
    // kept; res.end() still writes the last chunk.
    if (res.writableLength === socket.writableLength) frames.writeTo(socket, client.chunked);
    else res.write(frames.raw);
    return true;
  }

  #dropSlow(client: Client): void {
    this.options.metrics.slowClientDisconnects.inc();
    this.options.logger.warn(
      { unsentBytes: client.res.writableLength },
      'disconnecting a client too slow to keep up',
    );
    this.#remove(client);
    client.res.destroy();
  }

  #sendKeepAlive(): void {
    for (const group of this.#groups.values())
      for (const client of group.clients) this.#send(client, KEEP_ALIVE);
  }

  #clearReplays(): void {
    this.#replays.clear();
    this.#replayBytes = 0;
  }

  #stopKeepAlive(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  #isAhead(position: StreamPosition): boolean {
    return [...position].some(([p, o]) => o > (this.#buffer.head.get(p) ?? -1n));
  }
}

/** The client's Last-Event-ID as better-sse reads it: the header, else the query's `lastEventId`. */
function lastEventIdOf(req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string') return header;
  if (!req.url?.includes('?')) return undefined;
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  return query.get('lastEventId') ?? query.get('evs_last_event_id') ?? undefined;
}
