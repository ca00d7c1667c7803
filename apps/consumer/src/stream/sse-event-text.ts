import { createEventBuffer, type EventBuffer } from 'better-sse';
import { eventData, type EventFormat } from './event-format.js';
import type { BufferedEvent } from './stream-record.js';

/** An event that is not a record (a `gap`); with an id, the position the stream goes on from. */
export interface Notice {
  readonly event: string;
  readonly text: string;
  readonly id?: string | undefined;
}

/** The value is already text: better-sse's default JSON serializer would send `"Hello"`. */
const asText = (data: unknown): string => String(data);

/**
 * better-sse's sanitizing (line breaks made LF, trailing ones dropped), with its two regular
 * expressions skipped for a field without a line break: every field here, as values are split
 * into lines first. A catch-up encodes each event for its one client, and the profile of one
 * had better-sse's sanitizing among its larger costs.
 */
const sanitize = (text: string): string =>
  text.includes('\n') || text.includes('\r')
    ? text.replace(/\r\n|\r/g, '\n').replace(/\n+$/, '')
    : text;

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Writes events into one better-sse buffer that every client is sent as is. Each line of a
 * value becomes its own `data:` field, which an EventSource joins back with newlines; one field
 * holding a newline would end the event early.
 */
export function eventBuffer(
  events: readonly BufferedEvent[],
  notice?: Notice,
  format: EventFormat = 'text',
): EventBuffer {
  const buffer = createEventBuffer({ serializer: asText, sanitizer: sanitize });
  if (notice) {
    if (notice.id !== undefined) buffer.id(notice.id);
    buffer.event(notice.event).data(notice.text).dispatch();
  }
  for (const event of events) {
    buffer.id(event.id);
    // An EventSource drops one space after "data:"; better-sse writes none, so a line that starts
    // with a space gets one more to keep its own.
    const { value } = event;
    if (format !== 'text') buffer.data(eventData(event, format));
    else if (!value.includes('\n') && !value.includes('\r'))
      buffer.data(value.startsWith(' ') ? ` ${value}` : value);
    else
      for (const line of value.split(LINE_BREAK))
        buffer.data(line.startsWith(' ') ? ` ${line}` : line);
    buffer.dispatch();
  }
  return buffer;
}

/** The events as bytes, encoded once and written as the same Buffer to every client. */
export function eventBytes(
  events: readonly BufferedEvent[],
  notice?: Notice,
  format: EventFormat = 'text',
): Buffer {
  return Buffer.from(eventBuffer(events, notice, format).read());
}
