import { HttpProblem } from '@demo-kafka/app-kit';
import { CloudEvent, HTTP, ValidationError } from 'cloudevents';
import { isW3cTraceparent } from './trace-context.js';

/** The structured-mode media type (CloudEvents JSON format); its parameters (charset) may follow. */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';
/** The HTTP binding's attribute header prefix, and the Kafka binding's. */
export const HTTP_CE_PREFIX = 'ce-';
export const KAFKA_CE_PREFIX = 'ce_';
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;
/**
 * Binary mode carries the data as the body and its type as Content-Type: these as `ce-` headers
 * would give an event two datas or two types (HTTP binding 3.1.1, 3.1.3).
 */
const NOT_IN_BINARY_MODE = ['data', 'data_base64', 'datacontenttype'] as const;
/** The attributes the JSON format defines; any other member of a structured event is an extension. */
const JSON_FORMAT_MEMBERS = new Set([
  ...REQUIRED,
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
  'data',
  'data_base64',
]);
/** CloudEvents' Integer: a signed 32-bit number. */
const INTEGER_RANGE = 2 ** 31;
/**
 * RFC 3339, as the spec requires of `time`; the fields are checked for a real date and time
 * after it, which the pattern alone cannot do (and `Date.parse` rolls 02-30 over to March).
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** A request's CloudEvent as the record carries it. */
export interface RecordCloudEvent {
  /**
   * `ce_<attribute>` record headers in request order (binary mode); none in structured mode, whose
   * value holds them.
   */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The `partitionkey` extension: the record key when the request names none (Kafka binding, key mapping). */
  readonly partitionKey: string | undefined;
}

function invalid(attribute: string, why: string): HttpProblem {
  return new HttpProblem(
    400,
    'Bad Request',
    `invalid CloudEvent: the attribute "${attribute}" ${why}`,
  );
}

/**
 * HTTP binary mode: every `ce-<attribute>` request header becomes the record header
 * `ce_<attribute>` with its value percent-decoded (the HTTP binding, 3.1.3.2, encodes it; the
 * Kafka binding, 3.2.3, carries UTF-8 text as it is); the request's
 * Content-Type is the event's `datacontenttype` and is recorded as `content-type` by the caller.
 * Parsed and validated by the cloudevents SDK; the body is not parsed (the value stays its bytes).
 */
export function binaryModeEvent(
  encodedHeaders: ReadonlyArray<readonly [string, string]>,
  contentType: string | undefined,
): RecordCloudEvent {
  // The binding percent-encodes values (space, '"', '%' and all but printable ASCII); a receiver decodes them.
  const ceHeaders = encodedHeaders.map(
    ([name, value]) => [name, percentDecoded(name.slice(HTTP_CE_PREFIX.length), value)] as const,
  );
  const given = new Map(
    ceHeaders.map(([name, value]) => [name.slice(HTTP_CE_PREFIX.length), value]),
  );
  // Two lines of one attribute would both be written, and only the last one checked.
  if (given.size !== ceHeaders.length) {
    const seen = new Set<string>();
    for (const [name] of ceHeaders) {
      const attribute = name.slice(HTTP_CE_PREFIX.length);
      if (seen.has(attribute)) throw invalid(attribute, 'is given more than once');
      seen.add(attribute);
    }
  }
  for (const attribute of REQUIRED)
    if (!given.get(attribute))
      throw invalid(attribute, `is missing (send the header ce-${attribute})`);
  for (const attribute of NOT_IN_BINARY_MODE)
    if (given.has(attribute))
      throw invalid(
        attribute,
        'is not sent as a header in binary mode: the body is the data, and Content-Type its type',
      );
  checkTime(given.get('time'));
  checkTraceparent(given.get('traceparent'));
  const headers: Record<string, string> = Object.fromEntries(ceHeaders);
  if (contentType !== undefined) headers['content-type'] = contentType;
  validate(() => HTTP.toEvent({ headers, body: undefined }));
  return {
    headers: ceHeaders.map(
      ([name, value]) => [KAFKA_CE_PREFIX + name.slice(HTTP_CE_PREFIX.length), value] as const,
    ),
    partitionKey: given.get('partitionkey'),
  };
}

/**
 * HTTP structured mode: the body is the event in the JSON format; the record keeps it byte for
 * byte as its value, with the request's content type (Kafka binding, 3.3). Validated by the SDK.
 */
export function structuredModeEvent(body: Buffer): RecordCloudEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpProblem(
      400,
      'Bad Request',
      `invalid CloudEvent: a ${STRUCTURED_CONTENT_TYPE} body must be one JSON object`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpProblem(
      400,
      'Bad Request',
      `invalid CloudEvent: a ${STRUCTURED_CONTENT_TYPE} body must be one JSON object`,
    );
  }
  const event = parsed as Record<string, unknown>;
  for (const attribute of REQUIRED)
    if (event[attribute] === undefined || event[attribute] === '')
      throw invalid(attribute, 'is missing');
  checkTime(event.time);
  checkTraceparent(event.traceparent);
  checkExtensionValues(event);
  validate(() =>
    HTTP.toEvent({ headers: { 'content-type': STRUCTURED_CONTENT_TYPE }, body: event }),
  );
  const partitionKey = event.partitionkey;
  return {
    headers: [],
    partitionKey:
      typeof partitionKey === 'string' && partitionKey !== '' ? partitionKey : undefined,
  };
}

function checkTime(time: unknown): void {
  if (time === undefined) return;
  if (typeof time !== 'string' || !isRfc3339(time))
    throw invalid('time', 'is not an RFC 3339 timestamp (a date and time that exist)');
}

function isRfc3339(time: string): boolean {
  const fields = RFC3339.exec(time);
  if (fields === null) return false;
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = [
    fields[1],
    fields[2],
    fields[3],
    fields[4],
    fields[5],
    fields[6],
    fields[8] ?? '0',
    fields[9] ?? '0',
  ].map(Number) as [number, number, number, number, number, number, number, number];
  // Day 0 of the next month is the last of this one (UTC, so no time zone moves it).
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    // 60: a leap second, which RFC 3339 allows.
    second <= 60 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}

/** The distributed-tracing extension's `traceparent` must be one a tracer can continue. */
function checkTraceparent(traceparent: unknown): void {
  if (traceparent === undefined) return;
  if (typeof traceparent !== 'string' || !isW3cTraceparent(traceparent))
    throw invalid(
      'traceparent',
      'is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>, ids not all zeros)',
    );
}

/**
 * An extension's value in the JSON format is a string, an integer or a boolean (null: absent):
 * an object or an array has no CloudEvents type, and no binding could carry it as one header.
 */
function checkExtensionValues(event: Record<string, unknown>): void {
  for (const [attribute, value] of Object.entries(event)) {
    if (JSON_FORMAT_MEMBERS.has(attribute)) continue;
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' &&
        Number.isInteger(value) &&
        value >= -INTEGER_RANGE &&
        value < INTEGER_RANGE)
    )
      continue;
    throw invalid(attribute, 'is not a string, an integer or a boolean, as an extension must be');
  }
}

/** A `ce-` header's value as the HTTP binding encodes it: `%XX` are the bytes of UTF-8 text. */
function percentDecoded(attribute: string, value: string): string {
  if (!value.includes('%')) return value;
  try {
    // decodeURIComponent decodes every %XX and only those ('+' stays): what the binding asks.
    return decodeURIComponent(value);
  } catch {
    throw invalid(
      attribute,
      'is not percent-encoded as the HTTP binding requires (%XX, the bytes of UTF-8 text)',
    );
  }
}

/** Parses with the SDK (which does not validate) and validates: only version 1.0 is accepted. */
function validate(parse: () => unknown): void {
  try {
    const event = parse();
    if (!(event instanceof CloudEvent))
      throw invalid('specversion', 'is for a batch, which is not accepted');
    if (event.specversion !== '1.0')
      throw invalid('specversion', `is "${String(event.specversion)}": only "1.0" is accepted`);
    event.validate();
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    if (error instanceof ValidationError) throw invalid(attributeOf(error), 'is not valid');
    if (error instanceof SyntaxError)
      throw new HttpProblem(400, 'Bad Request', 'invalid CloudEvent: not readable JSON');
    throw error;
  }
}

/** The attribute an SDK validation error is about (ajv reports it as a JSON pointer or a missing property). */
function attributeOf(error: ValidationError): string {
  const first = error.errors?.[0];
  if (typeof first === 'object' && first !== null) {
    const { instancePath, params } = first as {
      instancePath?: string;
      params?: { missingProperty?: string };
    };
    if (params?.missingProperty) return params.missingProperty;
    if (instancePath) return instancePath.replace(/^\//, '');
  }
  const named = /attribute name: "([^"]*)"/.exec(error.message);
  return named?.[1] ?? 'unknown';
}
