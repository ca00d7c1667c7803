import { createHash } from 'node:crypto';
import type { OutgoingRecord } from '../kafka/record-sink.js';

/** Headers that differ between a request and its retry by design (each attempt is its own trace). */
const PER_ATTEMPT_HEADERS = new Set(['traceparent', 'tracestate']);

/**
 * What makes two requests with one idempotency key the same request: the value, the record key
 * and the headers (but the trace context). A retry must match it, or it is refused with 422.
 */
export function fingerprintOf(record: OutgoingRecord): string {
  const hash = createHash('sha256');
  const headers = Object.entries(record.headers ?? {})
    .filter(([name]) => !PER_ATTEMPT_HEADERS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hash.update(JSON.stringify([record.key ?? null, headers]));
  hash.update('\n');
  hash.update(record.value);
  return hash.digest('base64url');
}
