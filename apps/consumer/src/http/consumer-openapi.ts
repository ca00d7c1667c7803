import {
  API_DOCUMENT_PATHS,
  COMMON_COMPONENTS,
  INTERNAL_ERROR,
  OPENAPI_VERSION,
  documentPath,
  healthPaths,
  loggedHeaders,
  problemResponse,
  type JsonObject,
} from '@demo-kafka/app-kit';
import { STREAM_PATH } from './messages-stream-route.js';
import {
  CLOUD_EVENT_SCHEMA,
  securityResponses,
  securitySchemes,
  type Guard,
} from '@demo-kafka/app-kit';
import { JSON_RECORD_SCHEMA, STREAM_EVENT_SCHEMAS, STREAM_ITEM_SCHEMA } from './stream-events.js';
import { STREAM_PARAMETERS } from './stream-parameters.js';

const STREAM_DESCRIPTION =
  'The topic as Server-Sent Events: a new client first gets the last REPLAY_SIZE records, then live ones. ' +
  'A client that resumes (`Last-Event-ID`, `?lastEventId=` or `?since=`) gets every record after ' +
  'its position, from the replay buffer or else read from Kafka, as far back as Kafka keeps the ' +
  'topic, then joins the live stream with no gap and no duplicate; a `gap` event says when Kafka ' +
  'no longer holds some of them. ' +
  'The stream opens with a `retry:` hint, and keep-alive comments keep idle connections open through proxies. ' +
  'A client that does not read what it is sent (more than MAX_CLIENT_BUFFER_BYTES unsent, or ' +
  'nothing of its catch-up for 10 s) is disconnected; it reconnects and resumes.';

/** The live page, at `/` and `/index.html`. */
function pagePath(operationId: string): JsonObject {
  return {
    get: {
      operationId,
      tags: ['page'],
      summary: 'The live page',
      description:
        'Shows the stream live (EventSource; with access tokens on, fetch with the token the page ' +
        'asks for) and posts to the producer. It loads nothing from elsewhere.',
      responses: {
        200: {
          description: 'The page.',
          headers: loggedHeaders(),
          content: { 'text/html': { schema: { type: 'string' } } },
        },
        500: INTERNAL_ERROR,
      },
    },
  };
}

/** The consumer's OpenAPI document, as `GET /openapi.json` serves it. */
export function consumerOpenApi(
  options: { guard?: Pick<Guard, 'scheme' | 'scope'> | undefined } = {},
): JsonObject {
  const { guard } = options;
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Kafka consumer',
      version: '1.0.0',
      summary:
        'GET /messages streams the bound Kafka topic as Server-Sent Events, with replay and gap-free resume.',
      description:
        "The records behind the stream, and the stream's events, are described in AsyncAPI at /asyncapi.json.",
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [{ name: 'messages' }, { name: 'page' }, { name: 'health' }, { name: 'api documents' }],
    paths: {
      [STREAM_PATH]: {
        get: {
          operationId: 'streamMessages',
          tags: ['messages'],
          summary: 'Stream the topic',
          description: STREAM_DESCRIPTION,
          parameters: Object.values(STREAM_PARAMETERS),
          ...(guard ? { security: [{ bearer: [] }] } : {}),
          responses: {
            200: {
              description:
                'The stream; it stays open until the client leaves or the consumer shuts down.',
              headers: loggedHeaders({
                'Cache-Control': {
                  required: true,
                  schema: { type: 'string', pattern: 'no-cache' },
                },
                Pragma: { schema: { type: 'string', const: 'no-cache' } },
                'X-Accel-Buffering': {
                  description: 'Tells a proxy such as nginx to pass events on at once.',
                  schema: { type: 'string', const: 'no' },
                },
              }),
              content: { 'text/event-stream': { itemSchema: STREAM_ITEM_SCHEMA } },
            },
            400: problemResponse(
              '`since` is not a time, `format` is none of the formats, or `key` or `header` is ' +
                'given more than once or malformed.',
            ),
            ...(guard ? securityResponses(guard) : {}),
            429: problemResponse(
              'This client (its token subject, or its address without tokens) holds ' +
                'MAX_CLIENT_STREAMS streams already (`Retry-After: 5`).',
              { retryAfter: true },
            ),
            500: INTERNAL_ERROR,
            503: problemResponse(
              'Too many clients (MAX_CLIENTS) are connected (`Retry-After: 5`), or this resume ' +
                'must be read from Kafka or sent in parts while MAX_CATCH_UPS others are ' +
                '(`Retry-After: 2`; new clients are not limited by it): try again shortly, with ' +
                'the same id.',
              { retryAfter: true },
            ),
          },
        },
        head: {
          operationId: 'headMessages',
          tags: ['messages'],
          summary: "The stream's headers, without opening it",
          responses: {
            200: {
              description: 'A stream would be served here.',
              headers: loggedHeaders(),
              content: { 'text/event-stream': {} },
            },
          },
        },
      },
      '/': pagePath('getPage'),
      '/index.html': pagePath('getPageIndex'),
      '/page.js': {
        get: {
          operationId: 'getPageScript',
          tags: ['page'],
          summary: "The page's script",
          responses: {
            200: {
              description: 'The script.',
              headers: loggedHeaders(),
              content: { 'text/javascript': { schema: { type: 'string' } } },
            },
            500: INTERNAL_ERROR,
          },
        },
      },
      '/config.json': {
        get: {
          operationId: 'getPageConfig',
          tags: ['page'],
          summary: 'What the page needs to know',
          responses: {
            200: {
              description: 'Where the page posts, and whether it needs an access token.',
              headers: loggedHeaders(),
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['producerUrl', 'auth'],
                    properties: {
                      producerUrl: {
                        type: 'string',
                        description: "The producer's URL; empty means this host on port 30776.",
                      },
                      auth: {
                        type: 'boolean',
                        description:
                          'Whether the stream needs an access token (access tokens are on): the ' +
                          'page then asks for one and sends it with its requests.',
                      },
                    },
                    additionalProperties: false,
                  },
                },
              },
            },
            500: INTERNAL_ERROR,
          },
        },
      },
      '/favicon.ico': {
        get: {
          operationId: 'getFavicon',
          tags: ['page'],
          summary: 'No icon',
          responses: {
            204: {
              description: 'There is no icon (an answer, so browsers do not log a 404).',
              headers: loggedHeaders(),
            },
          },
        },
      },
      ...healthPaths({
        readiness: 'Ready once the Kafka consumer has joined and been given the topic.',
      }),
      [API_DOCUMENT_PATHS.openapi]: documentPath('getOpenApi', 'This OpenAPI document'),
      [API_DOCUMENT_PATHS.asyncapi]: documentPath(
        'getAsyncApi',
        'The AsyncAPI document of the topic and the stream',
      ),
    },
    components: {
      ...COMMON_COMPONENTS,
      schemas: {
        ...COMMON_COMPONENTS.schemas,
        ...STREAM_EVENT_SCHEMAS,
        JsonRecord: JSON_RECORD_SCHEMA,
        CloudEvent: CLOUD_EVENT_SCHEMA,
      },
      ...(guard ? securitySchemes(guard) : {}),
    },
  };
}
