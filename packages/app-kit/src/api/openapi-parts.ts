import { HEALTH_PATHS } from '../http/health-routes.js';

/**
 * A JSON value as the API documents hold it. The documents are plain data built once at start-up;
 * typing them loosely keeps the builders short, and the tests check them against the official
 * OpenAPI and AsyncAPI schemas instead.
 */
export type Json =
  | string
  | number
  | boolean
  | null
  | readonly Json[]
  | { readonly [key: string]: Json | undefined };
/** A JSON object (a schema, a parameter, an operation...). */
export type JsonObject = { readonly [key: string]: Json | undefined };

/**
 * The OpenAPI version the documents are written in: 3.2 describes a `text/event-stream` response
 * item by item (`itemSchema`).
 */
export const OPENAPI_VERSION = '3.2.0';

/** Where each app serves its OpenAPI document, and where the consumer serves its AsyncAPI one. */
export const API_DOCUMENT_PATHS = { openapi: '/openapi.json', asyncapi: '/asyncapi.json' } as const;

/** RFC 9457 problem details, as `sendProblem` writes them. */
export const PROBLEM_SCHEMA: JsonObject = {
  type: 'object',
  description:
    'RFC 9457 problem details. `detail` is written for the user and never holds a stack trace or a secret.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', const: 'about:blank' },
    title: { type: 'string', examples: ['Bad Request'] },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
  },
  additionalProperties: false,
};

/** Components every app's document holds: the problem schema and the headers every answer may carry. */
export const COMMON_COMPONENTS = {
  schemas: { Problem: PROBLEM_SCHEMA },
  headers: {
    'X-Request-Id': {
      required: true,
      description:
        'The request id as logged: the `X-Request-Id` the client sent (1 to 128 of `A-Za-z0-9_.:-`) or one made up.',
      schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$' },
    },
    'Retry-After': {
      required: true,
      description: 'Seconds to wait before trying again.',
      schema: { type: 'string', pattern: '^\\d+$' },
    },
  },
} as const satisfies { schemas: Record<string, JsonObject>; headers: Record<string, JsonObject> };

const ref = (path: string): JsonObject => ({ $ref: path });
const REQUEST_ID = { 'X-Request-Id': ref('#/components/headers/X-Request-Id') };

/** The headers of a response of a route mounted after request logging (which sets `X-Request-Id`). */
export function loggedHeaders(extra: JsonObject = {}): JsonObject {
  return { ...REQUEST_ID, ...extra };
}

/** A problem+json response; `retryAfter` adds the `Retry-After` header. */
export function problemResponse(
  description: string,
  options: { retryAfter?: boolean; allow?: boolean; logged?: boolean } = {},
): JsonObject {
  const headers: Record<string, JsonObject> = {};
  if (options.logged ?? true) Object.assign(headers, REQUEST_ID);
  if (options.retryAfter) headers['Retry-After'] = ref('#/components/headers/Retry-After');
  return {
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: { 'application/problem+json': { schema: ref('#/components/schemas/Problem') } },
  };
}

/** The answer to an error nobody foresaw: logged, and shown only as its status. */
export const INTERNAL_ERROR = problemResponse(
  'An unexpected error; the app logged it (never shown to the client).',
);

/** `/healthz`, `/readyz`, `/metrics` as `healthRoutes` and the metrics router serve them. */
export function healthPaths(options: {
  readiness: string;
  metricsUnavailable?: boolean;
}): Record<string, JsonObject> {
  const status = (value: string): JsonObject => ({ type: 'string', const: value });
  return {
    [HEALTH_PATHS.liveness]: {
      get: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Liveness: the process serves HTTP',
        responses: {
          200: {
            description: 'Alive.',
            headers: loggedHeaders(),
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['status'],
                  properties: { status: status('alive') },
                  additionalProperties: false,
                },
              },
            },
          },
          500: INTERNAL_ERROR,
        },
      },
    },
    [HEALTH_PATHS.readiness]: {
      get: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'Readiness: Kafka is usable',
        description: options.readiness,
        responses: {
          200: {
            description: 'Ready.',
            headers: loggedHeaders(),
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['status'],
                  properties: { status: status('ready') },
                  additionalProperties: false,
                },
              },
            },
          },
          503: {
            description: 'Not ready, with a reason safe to show anyone (never a secret).',
            headers: loggedHeaders(),
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['status', 'reason'],
                  properties: { status: status('not ready'), reason: { type: 'string' } },
                  additionalProperties: false,
                },
              },
            },
          },
          500: INTERNAL_ERROR,
        },
      },
    },
    [HEALTH_PATHS.metrics]: {
      get: {
        operationId: 'getMetrics',
        tags: ['health'],
        summary: 'Prometheus metrics',
        responses: {
          200: {
            description: 'The Prometheus text exposition format.',
            headers: loggedHeaders(),
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...(options.metricsUnavailable
            ? {
                503: problemResponse(
                  'A worker could not be asked (it is restarting): scrape again later.',
                  { retryAfter: true },
                ),
              }
            : {}),
          500: INTERNAL_ERROR,
        },
      },
    },
  };
}

/** `GET /openapi.json` (and the consumer's `/asyncapi.json`): the document itself. */
export function documentPath(operationId: string, summary: string): JsonObject {
  return {
    get: {
      operationId,
      tags: ['api documents'],
      summary,
      responses: {
        200: {
          description: 'The document, as JSON.',
          headers: loggedHeaders(),
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        500: INTERNAL_ERROR,
      },
    },
  };
}
