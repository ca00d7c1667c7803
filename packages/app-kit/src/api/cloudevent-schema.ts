import type { JsonObject } from './openapi-parts.js';

/**
 * W3C trace context `traceparent` (version 00 and later), as OpenTelemetry propagates it through
 * HTTP and Kafka headers.
 */
export const TRACEPARENT_PATTERN = '^00-(?!0{32}-)[0-9a-f]{32}-(?!0{16}-)[0-9a-f]{16}-[0-9a-f]{2}$';

/**
 * A CloudEvent 1.0 in the JSON format (structured mode), as the producer accepts it and the
 * consumer's `?format=cloudevents` sends it. Extension attributes are allowed.
 */
export const CLOUD_EVENT_SCHEMA: JsonObject = {
  type: 'object',
  description:
    'A CloudEvent 1.0 in the JSON event format ' +
    '(https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md).',
  required: ['specversion', 'id', 'source', 'type'],
  properties: {
    specversion: { type: 'string', const: '1.0' },
    id: { type: 'string', minLength: 1 },
    source: { type: 'string', minLength: 1, format: 'uri-reference' },
    type: { type: 'string', minLength: 1 },
    datacontenttype: { type: 'string' },
    dataschema: { type: 'string', format: 'uri' },
    subject: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    data: { description: 'The event data: JSON for a JSON content type, else text.' },
    data_base64: {
      type: 'string',
      contentEncoding: 'base64',
      description: 'The data as base64, when it is not text.',
    },
    partitionkey: { type: 'string', description: 'The Kafka record key (partitioning extension).' },
    traceparent: {
      type: 'string',
      pattern: TRACEPARENT_PATTERN,
      description: 'Distributed tracing extension.',
    },
    tracestate: { type: 'string' },
  },
  additionalProperties: { description: 'Another extension attribute.' },
};
