import { isUtf8 } from 'node:buffer';
import { HttpProblem } from '@demo-kafka/app-kit';
import type { RecordHeaders } from '../kafka/record-sink.js';
import {
  binaryModeEvent,
  HTTP_CE_PREFIX,
  KAFKA_CE_PREFIX,
  STRUCTURED_CONTENT_TYPE,
  structuredModeEvent,
  type RecordCloudEvent,
} from './cloudevent-headers.js';
import { type RecordHeaderLimits, TRACEPARENT_OF_A_SPAN, Tally } from './record-header-limits.js';
import { isW3cTraceparent } from './trace-context.js';

/**
 * `Kafka-Header-<name>: <value>` becomes the record header `<name>` (lower case, as HTTP names are
 * case-insensitive).
 */
export const KAFKA_HEADER_PREFIX = 'kafka-header-';
/** Record headers this app sets from their own request headers, so never from `Kafka-Header-*`. */
export const CONTENT_TYPE_HEADER = 'content-type';
export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;
/**
 * Request headers a page on another origin may send: `*` ends a family (every `Kafka-Header-*`,
 * every CloudEvents attribute, extensions included), allowed as a preflight names its members.
 */
export const CORS_REQUEST_HEADERS = [
  ...TRACE_HEADERS,
  `${KAFKA_HEADER_PREFIX}*`,
  `${HTTP_CE_PREFIX}*`,
] as const;

/** What a request adds to its record beyond the body. */
export interface RequestRecordContext {
  readonly headers: RecordHeaders | undefined;
  /** A CloudEvent's `partitionkey`: the record key when the request sets none. */
  readonly partitionKey: string | undefined;
}

type Pair = readonly [string, string];

/** A request with a content type and no other record header: what its record carries. */
interface ContentTypeAlone {
  /** Frozen: shared by every record with this content type. */
  readonly context: RequestRecordContext;
  /** The content type as UTF-8 text. */
  readonly contentType: string;
  /** What it counts against MAX_RECORD_HEADER_BYTES: name and value. */
  readonly bytes: number;
}

/** The usual case, one content type and nothing else: one frozen context per type, shared by every record. */
const contentTypeOnly = new Map<string, ContentTypeAlone>();
const MAX_CACHED_CONTENT_TYPES = 64;
const NONE: RequestRecordContext = Object.freeze({ headers: undefined, partitionKey: undefined });

/**
 * Reads the record headers a POST asks for from its raw headers (in order, repeats kept):
 * `Kafka-Header-*`, `Content-Type`, CloudEvents (`ce-*` or a structured body) and the W3C trace
 * context. Throws an {@link HttpProblem} (400, 415 or 431) for what cannot be written, so
 * nothing is.
 */
export function requestRecordContext(
  rawHeaders: readonly string[],
  body: Buffer,
  limits: RecordHeaderLimits,
): RequestRecordContext {
  let contentType: string | undefined;
  const user: Pair[] = [];
  const ce: Pair[] = [];
  const trace: Pair[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === CONTENT_TYPE_HEADER) contentType ??= value;
    else if (lower.startsWith(HTTP_CE_PREFIX) && lower.length > HTTP_CE_PREFIX.length)
      ce.push([lower, utf8(name, value)]);
    else if (lower.startsWith(KAFKA_HEADER_PREFIX))
      user.push([userHeaderName(name), utf8(name, value)]);
    else if (lower === 'traceparent' || lower === 'tracestate')
      trace.push([lower, utf8(name, value)]);
  }
  if (
    user.length === 0 &&
    ce.length === 0 &&
    trace.length === 0 &&
    limits.addsTraceparent !== true
  ) {
    if (contentType === undefined) return NONE;
    const alone =
      contentTypeOnly.get(contentType) ??
      (isCloudEventsType(contentType) ? undefined : contentTypeOnlyContext(contentType));
    if (alone !== undefined) {
      // The limits differ between apps sharing the cache: checked on every use, not once.
      if (alone.bytes > limits.maxBytes || limits.maxCount < 1)
        new Tally(limits).take(CONTENT_TYPE_HEADER, alone.contentType);
      return alone.context;
    }
  }
  const structured = contentType !== undefined && isCloudEventsType(contentType);

  let event: RecordCloudEvent | undefined;
  if (structured) {
    if (ce.length > 0)
      throw new HttpProblem(
        400,
        'Bad Request',
        `invalid CloudEvent: ce- headers are for binary mode, and ${STRUCTURED_CONTENT_TYPE} is ` +
          `structured mode (the attributes are in the body)`,
      );
    event = structuredModeEvent(body);
  } else if (ce.length > 0) {
    event = binaryModeEvent(ce, contentType);
  }
  const headers: Record<string, string | string[]> = Object.create(null) as Record<
    string,
    string | string[]
  >;
  const limit = new Tally(limits);
  if (contentType !== undefined)
    add(headers, limit, CONTENT_TYPE_HEADER, utf8('Content-Type', contentType));
  for (const [name, value] of event?.headers ?? []) add(headers, limit, name, value);
  for (const [name, value] of user) add(headers, limit, name, value);
  // One traceparent (the first); tracestate may be split over several lines, which mean one list.
  const traceparent = trace.find(([name]) => name === 'traceparent');
  // Stored only when a tracer downstream can continue it: else the record would carry a broken trace.
  if (traceparent && !isW3cTraceparent(traceparent[1]))
    throw new HttpProblem(
      400,
      'Bad Request',
      'traceparent is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>, ids not all zeros)',
    );
  if (traceparent) add(headers, limit, 'traceparent', traceparent[1]);
  const tracestate = trace.filter(([name]) => name === 'tracestate').map(([, value]) => value);
  if (tracestate.length > 0) add(headers, limit, 'tracestate', tracestate.join(','));
  // The sink's own span context replaces a request's traceparent, or is added: same name, same length.
  if (limits.addsTraceparent === true && !traceparent)
    limit.take('traceparent', TRACEPARENT_OF_A_SPAN);
  return {
    headers: contentType === undefined && Object.keys(headers).length === 0 ? undefined : headers,
    partitionKey: event?.partitionKey,
  };
}

function contentTypeOnlyContext(raw: string): ContentTypeAlone {
  const contentType = utf8('Content-Type', raw);
  const alone: ContentTypeAlone = {
    context: Object.freeze({
      headers: Object.freeze({ [CONTENT_TYPE_HEADER]: contentType }),
      partitionKey: undefined,
    }),
    contentType,
    bytes: Buffer.byteLength(CONTENT_TYPE_HEADER) + Buffer.byteLength(contentType),
  };
  // Clients choose the type: bounded so a stream of odd types cannot grow the cache.
  if (contentTypeOnly.size < MAX_CACHED_CONTENT_TYPES) contentTypeOnly.set(raw, alone);
  return alone;
}

function isCloudEventsType(contentType: string): boolean {
  const type = contentType.trimStart().toLowerCase();
  if (!type.startsWith('application/cloudevents')) return false;
  if (
    type.startsWith(STRUCTURED_CONTENT_TYPE) &&
    /^application\/cloudevents\+json\s*(;|$)/.test(type)
  )
    return true;
  throw new HttpProblem(
    415,
    'Unsupported Media Type',
    `of the CloudEvents formats only ${STRUCTURED_CONTENT_TYPE} (one event) is accepted`,
  );
}

function userHeaderName(httpName: string): string {
  const name = httpName.slice(KAFKA_HEADER_PREFIX.length).toLowerCase();
  if (name === '')
    throw new HttpProblem(
      400,
      'Bad Request',
      `${httpName} names no record header: send Kafka-Header-<name>: <value>`,
    );
  if (
    name === CONTENT_TYPE_HEADER ||
    (TRACE_HEADERS as readonly string[]).includes(name) ||
    name.startsWith(KAFKA_CE_PREFIX)
  ) {
    throw new HttpProblem(
      400,
      'Bad Request',
      `the record header "${name}" is set from its own request header ` +
        `(${name.startsWith(KAFKA_CE_PREFIX) ? `${HTTP_CE_PREFIX}<attribute>` : name}), not from ` +
        `${httpName}`,
    );
  }
  return name;
}

/**
 * Node reads header values as Latin-1, one character per byte: the bytes are UTF-8 text. Throws
 * a 400 {@link HttpProblem} naming `name` when they are not.
 */
export function utf8(name: string, latin1: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the class is every ASCII character, controls included
  if (!/[^\x00-\x7f]/.test(latin1)) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  if (!isUtf8(bytes))
    throw new HttpProblem(400, 'Bad Request', `the value of ${name} is not UTF-8 text`);
  return bytes.toString('utf8');
}

/** A repeated name keeps every value, in order (Kafka allows repeated header keys). */
function add(
  headers: Record<string, string | string[]>,
  tally: Tally,
  name: string,
  value: string,
): void {
  tally.take(name, value);
  const existing = headers[name];
  if (existing === undefined) headers[name] = value;
  else if (typeof existing === 'string') headers[name] = [existing, value];
  else existing.push(value);
}
