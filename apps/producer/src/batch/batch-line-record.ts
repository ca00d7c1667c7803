import { HttpProblem } from '@demo-kafka/app-kit';
import {
  type RecordHeaderLimits,
  TRACEPARENT_OF_A_SPAN,
  Tally,
} from '../headers/record-header-limits.js';
import type { OutgoingRecord } from '../kafka/record-sink.js';

/** The fields a batch line may have (anything else is refused, so a typo is not lost silently). */
const FIELDS = new Set(['value', 'valueEncoding', 'key', 'headers']);
const JSON_CONTENT_TYPE = 'application/json';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const bad = (detail: string): HttpProblem => new HttpProblem(400, 'Bad Request', detail);

/**
 * One line of an `application/x-ndjson` POST as the record it asks for:
 * `{"value": ..., "valueEncoding"?: "utf8" | "base64", "key"?: string, "headers"?: {name: value
 * or [values]}}`. A string value is its UTF-8 bytes (or, with `"valueEncoding": "base64"`, the
 * bytes it encodes); any other JSON value is written as its JSON text, with the record header
 * `content-type: application/json` unless the line sets one. Throws an {@link HttpProblem} (400,
 * 431) for a line that cannot be written as it stands.
 */
export function batchLineRecord(line: Buffer, limits: RecordHeaderLimits): OutgoingRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.toString('utf8'));
  } catch (error) {
    throw bad(`the line is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw bad('a line is one JSON object: {"value": ..., "key": ..., "headers": {...}}');
  const fields = parsed as Record<string, unknown>;
  // A loop rather than Object.keys: this runs for every line of a stream.
  for (const name in fields)
    if (!FIELDS.has(name)) {
      const unknown = Object.keys(fields).filter((each) => !FIELDS.has(each));
      throw bad(
        `unknown field ${unknown.map((each) => `"${each}"`).join(', ')}: a line has value, valueEncoding, key and headers`,
      );
    }

  let headers = fields.headers == null ? undefined : headersOf(fields.headers);
  const { value, valueEncoding } = fields;
  if (value === undefined || value === null) throw bad('the line has no "value"');
  if (valueEncoding !== undefined && valueEncoding !== 'utf8' && valueEncoding !== 'base64')
    throw bad('"valueEncoding" is "utf8" (the default) or "base64"');
  let bytes: Buffer;
  if (typeof value === 'string') {
    if (valueEncoding === 'base64' && !BASE64.test(value)) throw bad('"value" is not base64');
    bytes = Buffer.from(value, valueEncoding === 'base64' ? 'base64' : 'utf8');
  } else {
    if (valueEncoding !== undefined) throw bad('"valueEncoding" applies to a string "value" only');
    bytes = Buffer.from(JSON.stringify(value), 'utf8');
    headers ??= Object.create(null) as Record<string, string | string[]>;
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
      headers['content-type'] = JSON_CONTENT_TYPE;
  }
  if (bytes.length === 0) throw bad('the "value" is empty');

  const { key } = fields;
  if (key !== undefined && key !== null && typeof key !== 'string') throw bad('"key" is a string');
  // With tracing on the sink adds its own traceparent: it counts, as for a single POST.
  const addsTraceparent = limits.addsTraceparent === true && headers?.traceparent === undefined;
  if (headers !== undefined || addsTraceparent) {
    const tally = new Tally(limits);
    if (headers !== undefined)
      for (const [name, each] of Object.entries(headers))
        for (const one of Array.isArray(each) ? each : [each]) tally.take(name, one);
    if (addsTraceparent) tally.take('traceparent', TRACEPARENT_OF_A_SPAN);
  }
  return {
    value: bytes,
    key: typeof key === 'string' && key !== '' ? key : undefined,
    headers: headers !== undefined && Object.keys(headers).length > 0 ? headers : undefined,
  };
}

/** The line's headers, checked for shape: a name maps to a string or an array of strings. */
function headersOf(given: unknown): Record<string, string | string[]> {
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw bad('"headers" is an object: {"name": "value"} or {"name": ["value", ...]}');
  // No prototype: a header named `__proto__` or `constructor` is a header like any other.
  const headers = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of Object.entries(given)) {
    if (name === '') throw bad('a header name is empty');
    if (typeof value === 'string') headers[name] = value;
    else if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string'))
      headers[name] = value as string[];
    else throw bad(`the header "${name}" is a string or a non-empty array of strings`);
  }
  return headers;
}
