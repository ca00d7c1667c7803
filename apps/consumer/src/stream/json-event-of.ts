import type { StreamRecord } from './stream-record.js';

/** One `?format=json` event's data. */
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
  /** `utf8`: `value` is the text; `base64`: the bytes were not UTF-8 and `value` is their base64. */
  readonly valueEncoding: 'utf8' | 'base64';
  readonly value: string;
}

const NO_HEADERS: JsonEvent['headers'] = Object.freeze({});

/** The record as `?format=json` shows it. */
export function jsonEventOf(record: StreamRecord): JsonEvent {
  const binary = record.binaryValue;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: String(record.offset),
    timestamp: new Date(record.timestamp).toISOString(),
    key: record.key,
    headers: record.headers ?? NO_HEADERS,
    valueEncoding: binary === undefined ? 'utf8' : 'base64',
    value: binary === undefined ? record.value : binary.toString('base64'),
  };
}
