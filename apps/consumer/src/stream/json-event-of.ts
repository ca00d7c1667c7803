import type { StreamRecord } from './stream-record.js';

/**
 * How a `?format=json` event carries the value: `json` as the JSON it is (the record's
 * content type says JSON and it parses), `utf8` as a string, `base64` as the base64 of bytes
 * that are not UTF-8.
 */
export type ValueEncoding = 'json' | 'utf8' | 'base64';

/** One `?format=json` event's data, as a client parses it. */
export interface JsonEvent {
  readonly topic: string;
  readonly partition: number;
  /** A decimal string: offsets may pass 2^53. */
  readonly offset: string;
  /** The record's timestamp, ISO 8601 UTC. */
  readonly timestamp: string;
  readonly key: string | null;
  /** Name -> values in the record's order (a name may repeat); `{}` when it has none. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly valueEncoding: ValueEncoding;
  /** Any JSON for `json`; a string otherwise. */
  readonly value: unknown;
}

/** `application/json` and every `+json` type (RFC 6839), parameters allowed. */
const JSON_TYPE = /^\s*application\/([a-z0-9!#$&^_.+-]*\+)?json\s*(;|$)/i;
/** Outside strings (where JSON allows no raw line break), a line break is only whitespace. */
const LINE_BREAK = /[\r\n]/g;

const NO_HEADERS: JsonEvent['headers'] = Object.freeze({});

/** Whether a record's `content-type` names JSON. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_TYPE.test(contentType);
}

/**
 * The record as `?format=json` sends it: one line of JSON (an SSE field ends at a line break). A
 * JSON value is put in as its own text, not re-serialized, so numbers past 2^53 and the order and
 * spelling of members stay as they were sent; only line breaks between tokens become spaces.
 */
export function jsonEventText(record: StreamRecord): string {
  const binary = record.binaryValue;
  const json = binary === undefined ? jsonTextOf(record) : undefined;
  const valueEncoding: ValueEncoding =
    binary !== undefined ? 'base64' : json !== undefined ? 'json' : 'utf8';
  const head = {
    topic: record.topic,
    partition: record.partition,
    offset: String(record.offset),
    timestamp: new Date(record.timestamp).toISOString(),
    key: record.key,
    headers: record.headers ?? NO_HEADERS,
    valueEncoding,
  };
  // The head ends with '}': the value goes in as its last member.
  if (json !== undefined) return `${JSON.stringify(head).slice(0, -1)},"value":${json}}`;
  return JSON.stringify({
    ...head,
    value: binary === undefined ? record.value : binary.toString('base64'),
  });
}

/** The value as JSON text for a JSON content type, when it is JSON; else undefined (sent as text). */
function jsonTextOf(record: StreamRecord): string | undefined {
  if (!isJsonContentType(record.headers?.['content-type']?.[0])) return undefined;
  try {
    JSON.parse(record.value);
  } catch {
    // Labelled JSON but not: the text as it is.
    return undefined;
  }
  return record.value.replace(LINE_BREAK, ' ');
}
