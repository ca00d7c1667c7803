import {
  formatStreamPosition,
  parseStreamPosition,
  type StreamPosition,
} from '@demo-kafka/app-kit';
import { recordBytes, type EventPredicate, type ReplayBuffer } from './replay-buffer.js';
import { GAP_EVENT, resumePointInKafka } from './resume-point-in-kafka.js';
import type { Notice } from './sse-event-text.js';
import { withId, type BufferedEvent } from './stream-record.js';
import type { HistoryChunk, TopicHistory } from './topic-history.js';

/**
 * What one step of a catch-up reads from Kafka, or takes from the buffer, at most (one record at
 * least): small, as a step holds the event loop while it decodes and encodes, and live events
 * wait behind it.
 */
export const CATCH_UP_PART_BYTES = 256 * 1024;
/** Tries of a Kafka read or offset lookup before the stream is ended (the client resumes later). */
const TRIES = 3;
const RETRY_DELAY_MS = 1000;

/** The client a catch-up writes to, as the stream hub lets it. */
export interface CatchUpClient {
  /** Only the records this client asked for (`undefined`: all). */
  readonly matches: EventPredicate | undefined;
  /**
   * Writes events (and a notice before them); false when the client is gone or was dropped.
   * `shared`: buffered events with their own ids, the same bytes for every client replaying them.
   */
  write(events: readonly BufferedEvent[], notice?: Notice, shared?: boolean): boolean;
  /** Resolves when the client has taken what it was sent, or left. */
  drained(): Promise<void>;
  /** Whether the client left. */
  gone(): boolean;
  /**
   * Joins the live stream from `position`, in the same tick as the check that the buffer holds
   * everything after it: replays that rest, and is then sent each new batch.
   */
  join(position: StreamPosition | undefined): void;
  /** Counts records read from Kafka for this client. */
  readFromKafka(count: number): void;
}

/** Where the catch-up starts: a client's id, else a time; neither: the whole buffer, in parts. */
export interface CatchUpStart {
  readonly position?: StreamPosition | undefined;
  readonly since?: number | undefined;
}

/** What a catch-up reads from, and how its steps share the process with the live stream. */
export interface CatchUpSources {
  readonly buffer: ReplayBuffer;
  readonly history: TopicHistory;
  /** Whether a position is further on than this process has consumed. */
  readonly isAhead: (position: StreamPosition) => boolean;
  /** Runs one step (a read and its write, or a part of the buffer) when its turn comes. */
  readonly pace: <T>(step: () => Promise<T> | T) => Promise<T>;
}

/** What one step did: sent a part (go on once the client has drained), or stop (joined or gone). */
type StepOutcome = 'sent' | 'stop';

/**
 * Brings one client from its resume point to the live stream: from Kafka while the buffer no
 * longer holds what follows its position, then from the buffer, a part at a time and no faster
 * than the client takes them, then joins. Each event's id is the client's own position, so a
 * resume after any part repeats and skips nothing.
 */
export async function catchUp(
  client: CatchUpClient,
  sources: CatchUpSources,
  start: CatchUpStart,
): Promise<void> {
  const { buffer, history, isAhead, pace } = sources;
  let position = start.position && new Map(start.position);
  let since = position ? undefined : start.since;
  // Kafka is asked where the resume point is only when the buffer cannot answer.
  let placed = false;
  let failures = 0;
  // A new client fed from the buffer alone: the buffer's ids are its own, in the buffer's order.
  let inBufferOrder = position === undefined && since === undefined;
  for (;;) {
    if (client.gone()) return;
    const beforeBuffer = position !== undefined && buffer.gapAfter(position);
    if (!placed && (since !== undefined || beforeBuffer || (position && isAhead(position)))) {
      const point = await retried(() => resumePointInKafka(history, { position, since }));
      position = point.position;
      since = undefined;
      placed = true;
      inBufferOrder = false;
      if (point.gap && !client.write([], point.gap)) return;
      continue;
    }
    let outcome: StepOutcome;
    if (position && beforeBuffer) {
      const at = position;
      try {
        outcome = await pace(() => (client.gone() ? 'stop' : readStep(client, history, at)));
        failures = 0;
      } catch (error) {
        // Retention may have passed the position meanwhile: ask Kafka where it is again.
        if (++failures >= TRIES) throw error;
        placed = false;
        await delay(RETRY_DELAY_MS * failures);
        continue;
      }
    } else {
      // The buffer holds the rest: in parts while that is large, then the live stream. Checked
      // and joined in one step, so no batch can come between.
      outcome = await pace(() => {
        if (client.gone()) return 'stop';
        const rest = buffer.after(position, client.matches).events;
        const part = leadingPart(rest, CATCH_UP_PART_BYTES);
        if (part === rest.length) {
          client.join(position);
          return 'stop';
        }
        const events = rest.slice(0, part);
        const sent = inBufferOrder || !position ? events : ownIds(position, events);
        if (inBufferOrder) position = new Map(parseStreamPosition(sent.at(-1)?.id));
        return client.write(sent, undefined, inBufferOrder) ? 'sent' : 'stop';
      });
    }
    if (outcome === 'stop') return;
    await client.drained();
  }
}

/** Reads the next part from Kafka after `position` and writes it; joins when Kafka has nothing more. */
async function readStep(
  client: CatchUpClient,
  history: TopicHistory,
  position: Map<number, bigint>,
): Promise<StepOutcome> {
  const from = new Map([...position].map(([p, offset]) => [p, offset + 1n]));
  const chunk = await history.read(from, CATCH_UP_PART_BYTES);
  const { next } = chunk;
  if (chunk.records.length === 0 && [...from].every(([p, o]) => (next.get(p) ?? o) <= o)) {
    // Kafka has nothing after the position although the buffer lost records after it (the topic
    // was recreated under this process): the buffer is all there is.
    const gap = {
      event: GAP_EVENT,
      text: 'Kafka holds nothing after this position; continuing from the buffered records',
    };
    if (!client.write([], gap)) return 'stop';
    client.join(position);
    return 'stop';
  }
  // Its records are not held once written, while the client drains: they are the largest
  // thing a catch-up holds.
  return writeRead(client, chunk, position) ? 'sent' : 'stop';
}

/** Writes what a read from Kafka returned after `position`, which it advances; false when the client is gone. */
function writeRead(
  client: CatchUpClient,
  chunk: HistoryChunk,
  position: Map<number, bigint>,
): boolean {
  const events: BufferedEvent[] = [];
  for (const record of chunk.records) {
    if (record.offset <= (position.get(record.partition) ?? -1n)) continue;
    position.set(record.partition, record.offset);
    if (client.matches && !client.matches(record)) continue;
    events.push(withId(record, formatStreamPosition(position, record.partition)));
  }
  for (const [partition, next] of chunk.next)
    if (next - 1n > (position.get(partition) ?? -1n)) position.set(partition, next - 1n);
  client.readFromKafka(chunk.records.length);
  return events.length === 0 || client.write(events);
}

/** How many of `events`, from the first, fit in `bytes` (one at least). */
function leadingPart(events: readonly BufferedEvent[], bytes: number): number {
  let total = 0;
  for (let i = 0; i < events.length; i++) {
    total += recordBytes(events[i] as BufferedEvent);
    if (total > bytes) return Math.max(i, 1);
  }
  return events.length;
}

/**
 * Buffered events with ids that carry the client's own position where it is further on than the
 * buffer was when the record arrived (it read that partition from Kafka); advances `position`.
 */
export function ownIds(
  position: Map<number, bigint>,
  events: readonly BufferedEvent[],
): BufferedEvent[] {
  const own: BufferedEvent[] = [];
  for (const event of events) {
    if (event.offset <= (position.get(event.partition) ?? -1n)) continue;
    for (const [partition, offset] of parseStreamPosition(event.id) ?? [])
      if (offset > (position.get(partition) ?? -1n)) position.set(partition, offset);
    own.push(withId(event, formatStreamPosition(position, event.partition)));
  }
  return own;
}

async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (tried >= TRIES) throw error;
      await delay(RETRY_DELAY_MS * tried);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
