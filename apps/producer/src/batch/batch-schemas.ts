import type { JsonObject } from '@demo-kafka/app-kit';

/** One line of a batch body (batch-line-record.ts reads it), for the OpenAPI document. */
export const BATCH_LINE_SCHEMA: JsonObject = {
  type: 'object',
  description:
    'One record. A string value is its UTF-8 bytes, or with `valueEncoding: "base64"` the bytes ' +
    'it encodes; any other JSON value is written as its JSON text, with the record header ' +
    '`content-type: application/json` unless `headers` sets one.',
  required: ['value'],
  additionalProperties: false,
  properties: {
    value: { description: 'The record value.' },
    valueEncoding: { type: 'string', enum: ['utf8', 'base64'], default: 'utf8' },
    key: { type: ['string', 'null'], description: 'The record key (same key, same partition).' },
    headers: {
      type: 'object',
      description: 'Record headers: a name and its value, or its values in order.',
      additionalProperties: {
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
      },
    },
  },
};

/** An answer line for a line that was not written: problem+json fields and the line number. */
export const BATCH_LINE_PROBLEM_SCHEMA: JsonObject = {
  type: 'object',
  description:
    'A line that was not written (the other lines are): problem+json fields, the line number ' +
    '(counting from 1, empty lines included), and `retryAfter` (seconds) when Kafka was away. ' +
    'A last line with status 408 (the body sent nothing for BATCH_IDLE_TIMEOUT_MS), 503 (the ' +
    'producer is shutting down) or 400 (the body was cut off) ends a batch early: the lines ' +
    'after it were not read.',
  required: ['line', 'type', 'title', 'status'],
  properties: {
    line: { type: 'integer', minimum: 1 },
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    retryAfter: { type: 'string' },
  },
};
