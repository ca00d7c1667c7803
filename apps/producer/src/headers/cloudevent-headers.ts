import { HttpProblem } from '@demo-kafka/app-kit';
import { CloudEvent, HTTP, ValidationError } from 'cloudevents';

/** The structured-mode media type (CloudEvents JSON format); its parameters (charset) may follow. */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';
/** The HTTP binding's attribute header prefix, and the Kafka binding's. */
export const HTTP_CE_PREFIX = 'ce-';
export const KAFKA_CE_PREFIX = 'ce_';
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;
/** RFC 3339, as the spec requires of `time` (the SDK puts the current time in place of one it cannot read). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

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
 * `ce_<attribute>` with the same value (CloudEvents Kafka protocol binding, 3.2.3); the request's
 * Content-Type is the event's `datacontenttype` and is recorded as `content-type` by the caller.
 * Parsed and validated by the cloudevents SDK; the body is not parsed (the value stays its bytes).
 */
export function binaryModeEvent(
  ceHeaders: ReadonlyArray<readonly [string, string]>,
  contentType: string | undefined,
): RecordCloudEvent {
  const given = new Map(
    ceHeaders.map(([name, value]) => [name.slice(HTTP_CE_PREFIX.length), value]),
  );
  for (const attribute of REQUIRED)
    if (!given.get(attribute))
      throw invalid(attribute, `is missing (send the header ce-${attribute})`);
  checkTime(given.get('time'));
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
  if (typeof time !== 'string' || !RFC3339.test(time) || Number.isNaN(Date.parse(time)))
    throw invalid('time', 'is not an RFC 3339 timestamp');
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
