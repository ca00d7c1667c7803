import {
  API_DOCUMENT_PATHS,
  CLOUD_EVENT_SCHEMA,
  COMMON_COMPONENTS,
  INTERNAL_ERROR,
  OPENAPI_VERSION,
  STREAM_POSITION_PATTERN,
  documentPath,
  healthPaths,
  loggedHeaders,
  problemResponse,
  securityResponses,
  securitySchemes,
  type Guard,
  type JsonObject,
} from '@demo-kafka/app-kit';
import { MESSAGE_PARAMETERS, RECORD_HEADER_PARAMETERS } from './messages-parameters.js';
import { BATCH_LINE_PROBLEM_SCHEMA, BATCH_LINE_SCHEMA } from '../batch/batch-schemas.js';
import { MESSAGES_PATH } from './messages-route.js';

export interface ProducerApiOptions {
  readonly maxMessageBytes: number;
  /** MAX_RECORD_HEADERS and MAX_RECORD_HEADER_BYTES. */
  readonly recordHeaderLimits: { readonly maxCount: number; readonly maxBytes: number };
  /** What `POST /messages` needs in `Authorization` (absent: nothing). */
  readonly guard: Pick<Guard, 'scheme' | 'scope'> | undefined;
  /** Whether MAX_CLIENT_POSTS_PER_SECOND limits clients (429). */
  readonly rateLimited?: boolean;
  /** Minutes an `Idempotency-Key` is remembered (absent or 0: the header is ignored). */
  readonly idempotencyWindowMinutes?: number;
  /** Several workers: `/metrics` may answer 503 while one restarts. */
  readonly clustered: boolean;
}

/** The `Idempotency-Key` request header, when the producer honours it. */
function idempotencyKeyParameter(windowMinutes: number): JsonObject {
  return {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes a retry safe (IETF httpapi Idempotency-Key): a POST with the key of an earlier ' +
      `one, within ${windowMinutes} minutes and to any replica, answers that write (same ` +
      'partition and offset, `Idempotent-Replayed: true`) and writes nothing. The same key with ' +
      'another body, key or headers gets 422; while the first request is still being written, ' +
      '409. 1 to 255 visible ASCII characters, bare or quoted; not for batches.',
    schema: { type: 'string', minLength: 1, maxLength: 257 },
    example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
  };
}

const ACK_SCHEMA: JsonObject = {
  type: 'object',
  description: 'Where Kafka stored the record (acks=all).',
  required: ['topic', 'partition', 'offset', 'timestamp', 'id'],
  properties: {
    topic: { type: 'string', examples: ['demo-default'] },
    partition: { type: 'integer', minimum: 0 },
    offset: {
      type: 'string',
      pattern: '^\\d+$',
      description: 'A decimal string: offsets pass 2^53.',
    },
    timestamp: {
      type: 'string',
      format: 'date-time',
      description: "The record's Kafka timestamp.",
    },
    id: {
      type: 'string',
      pattern: STREAM_POSITION_PATTERN,
      description: "The same id the consumer's stream gives this record (`partition:offset`).",
    },
  },
  additionalProperties: false,
};

/** The producer's OpenAPI document, as `GET /openapi.json` serves it. */
export function producerOpenApi(options: ProducerApiOptions): JsonObject {
  const idempotent = (options.idempotencyWindowMinutes ?? 0) > 0;
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Kafka producer',
      version: '1.0.0',
      summary:
        'POST /messages writes the request body to the bound Kafka topic and answers once Kafka acknowledged it.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [{ name: 'messages' }, { name: 'health' }, { name: 'api documents' }],
    paths: {
      [MESSAGES_PATH]: {
        post: {
          operationId: 'postMessage',
          tags: ['messages'],
          summary: 'Write one record',
          description:
            'The raw request body is the record value, byte for byte, whatever its content type ' +
            '(`curl -d` sends `application/x-www-form-urlencoded`). ' +
            'The answer comes after Kafka acknowledged the write with acks=all: the body echoed ' +
            'as text, or where it was stored as JSON when the client asks for JSON (`Accept: ' +
            'application/json`). ' +
            'A 503 means the record was not written, or (if Kafka answered after the timeout) may ' +
            'have been; a 200 is always true.\n\n' +
            'A batch: with `Content-Type: application/x-ndjson` each line of the body is one ' +
            'record (`BatchLine`), and the answer, `200` with an `application/x-ndjson` body, has ' +
            'one line per non-empty input line in order: its `Ack` once Kafka acknowledged it, or ' +
            'a `BatchLineProblem` for a line that was not written. The body may be streamed ' +
            '(chunked): answers stream back as records are acknowledged, and the body is read no ' +
            'faster than they are taken. No limit on lines; each at most ' +
            `${options.maxMessageBytes} bytes.\n\n` +
            'Record headers: every `Kafka-Header-<name>: <value>` request header becomes the ' +
            'record header `<name>` in lower case (repeated headers stay repeated, in order; ' +
            'values are UTF-8 text); ' +
            "the request's `Content-Type` is recorded as `content-type`; CloudEvents in binary " +
            'mode (`ce-*` headers) become `ce_*` headers, and in structured mode ' +
            '(`Content-Type: application/cloudevents+json`) the body is the event, stored as ' +
            'posted (CloudEvents Kafka protocol binding); `traceparent` and `tracestate` are ' +
            'carried over. ' +
            `At most ${options.recordHeaderLimits.maxCount} headers and ` +
            `${options.recordHeaderLimits.maxBytes} bytes of names and values per record (431 ` +
            `above them; nothing is written).`,
          parameters: [
            MESSAGE_PARAMETERS.keyQuery,
            MESSAGE_PARAMETERS.keyHeader,
            ...(idempotent ? [idempotencyKeyParameter(options.idempotencyWindowMinutes ?? 0)] : []),
            ...RECORD_HEADER_PARAMETERS,
          ],
          ...(options.guard ? { security: [{ bearer: [] }] } : {}),
          requestBody: {
            required: true,
            description: `The record value: any bytes, 1 to ${options.maxMessageBytes}.`,
            content: {
              'application/cloudevents+json': {
                schema: { $ref: '#/components/schemas/CloudEvent' },
              },
              'application/x-ndjson': { itemSchema: { $ref: '#/components/schemas/BatchLine' } },
              '*/*': { schema: { description: 'Any bytes.' } },
            },
          },
          responses: {
            200: {
              description: 'Kafka acknowledged the record.',
              headers: loggedHeaders(
                idempotent
                  ? {
                      'Idempotent-Replayed': {
                        description:
                          '`true` when an earlier request with the same `Idempotency-Key` wrote ' +
                          "the record: this answer is that write's, and nothing more was written.",
                        schema: { type: 'string', enum: ['true'] },
                      },
                    }
                  : {},
              ),
              content: {
                'text/plain': { schema: { type: 'string', description: 'The message as posted.' } },
                'application/json': { schema: { $ref: '#/components/schemas/Ack' } },
                'application/x-ndjson': {
                  itemSchema: {
                    oneOf: [
                      { $ref: '#/components/schemas/Ack' },
                      { $ref: '#/components/schemas/BatchLineProblem' },
                    ],
                  },
                },
              },
            },
            400: problemResponse(
              'The body is empty; a CloudEvent is incomplete or invalid (the detail names the ' +
                'attribute); a `Kafka-Header-*` names no header, one set otherwise, or holds no ' +
                'UTF-8 text; or the request could not be read.',
            ),
            ...(options.guard ? securityResponses(options.guard) : {}),
            413: problemResponse(
              `The body is larger than ${options.maxMessageBytes} bytes, or than the topic accepts.`,
            ),
            415: problemResponse(
              'A CloudEvents format other than `application/cloudevents+json` (one event), or a ' +
                '`Content-Encoding` this server does not accept.',
            ),
            ...(options.rateLimited
              ? {
                  429: problemResponse(
                    'This client (its token subject, or its address without tokens) made more ' +
                      'than MAX_CLIENT_POSTS_PER_SECOND POSTs in the last second.',
                    { retryAfter: true },
                  ),
                }
              : {}),
            ...(idempotent
              ? {
                  409: problemResponse(
                    'A request with the same `Idempotency-Key` is being written (here or on ' +
                      'another replica): retry the same request after `Retry-After` seconds.',
                    { retryAfter: true },
                  ),
                  422: problemResponse(
                    'The `Idempotency-Key` was used for another request (another body, key or ' +
                      'headers): nothing was written.',
                  ),
                }
              : {}),
            431: problemResponse(
              'The record would carry more headers, or more header bytes, than MAX_RECORD_HEADERS ' +
                '/ MAX_RECORD_HEADER_BYTES allow.',
            ),
            500: INTERNAL_ERROR,
            503: problemResponse(
              'Kafka is unreachable, refused the credentials or the topic, or is not ready yet.',
              { retryAfter: true },
            ),
          },
        },
      },
      ...healthPaths({
        readiness:
          'Ready once connected to Kafka and the topic is usable; with several workers, once every worker is.',
        metricsUnavailable: options.clustered,
      }),
      [API_DOCUMENT_PATHS.openapi]: documentPath('getOpenApi', 'This OpenAPI document'),
    },
    components: {
      ...COMMON_COMPONENTS,
      schemas: {
        ...COMMON_COMPONENTS.schemas,
        Ack: ACK_SCHEMA,
        CloudEvent: CLOUD_EVENT_SCHEMA,
        BatchLine: BATCH_LINE_SCHEMA,
        BatchLineProblem: BATCH_LINE_PROBLEM_SCHEMA,
      },
      ...(options.guard ? securitySchemes(options.guard) : {}),
    },
  };
}
