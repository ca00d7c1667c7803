import { STREAM_POSITION_PATTERN, type JsonObject } from '@demo-kafka/app-kit';
import { RECORD_EVENT_TYPE } from '../stream/cloud-event-of.js';
import { GAP_EVENT } from '../stream/stream-hub.js';

/**
 * The events of `GET /messages`, each as a Server-Sent Event's fields (`id`, `event`, `data`;
 * several `data:` lines joined by newlines, as an EventSource joins them). Defined once for both
 * documents: the OpenAPI `itemSchema` of the stream and the AsyncAPI messages of its channel.
 */
export const STREAM_EVENT_SCHEMAS = {
  RecordEvent: {
    type: 'object',
    title: 'record',
    description:
      'One Kafka record. `data` is its value as UTF-8 text; `id` is where the client is in the ' +
      "topic: `partition:offset` pairs, the record's own partition first.",
    required: ['id', 'data'],
    properties: {
      id: { type: 'string', pattern: STREAM_POSITION_PATTERN, examples: ['0:41', '2:17,0:41,1:8'] },
      data: { type: 'string' },
    },
    additionalProperties: false,
  },
  JsonRecordEvent: {
    type: 'object',
    title: 'record (format=json)',
    description:
      'One Kafka record with `?format=json`: `data` is one line of JSON. A value whose ' +
      '`content-type` names JSON and that is JSON comes as JSON (`valueEncoding: json`).',
    required: ['id', 'data'],
    properties: {
      id: { type: 'string', pattern: STREAM_POSITION_PATTERN },
      data: {
        type: 'string',
        contentMediaType: 'application/json',
        contentSchema: { $ref: '#/components/schemas/JsonRecord' },
      },
    },
    additionalProperties: false,
  },
  CloudEventRecordEvent: {
    type: 'object',
    title: 'record (format=cloudevents)',
    description:
      'One Kafka record with `?format=cloudevents`: `data` is a CloudEvent in JSON structured ' +
      'mode. A record that is a CloudEvent (either mode) gives its own event; ' +
      `any other gives one built from it: id \`<partition>:<offset>\`, source ` +
      `\`/topics/<topic>\`, type \`${RECORD_EVENT_TYPE}\`, time the record's timestamp, the key ` +
      `as \`partitionkey\`.`,
    required: ['id', 'data'],
    properties: {
      id: { type: 'string', pattern: STREAM_POSITION_PATTERN },
      data: {
        type: 'string',
        contentMediaType: 'application/json',
        contentSchema: { $ref: '#/components/schemas/CloudEvent' },
      },
    },
    additionalProperties: false,
  },
  GapEvent: {
    type: 'object',
    title: GAP_EVENT,
    description:
      'Sent to a resuming client (`Last-Event-ID` or `?since=`), before the records that follow ' +
      'it, when the stream cannot go on exactly from its position: Kafka no longer holds records ' +
      'it missed (retention deleted them, also while it was catching up), or its id names ' +
      'offsets past the end of a partition (the topic was created again). The stream goes on ' +
      'from the oldest records Kafka holds in those partitions. Judged on the whole topic, also ' +
      'for a client with `key` or `header`.',
    required: ['event', 'data'],
    properties: {
      id: {
        type: 'string',
        pattern: `^$|${STREAM_POSITION_PATTERN}`,
        description:
          'The position the stream goes on from, in the form of a record event id (a partition ' +
          'it does not name: from its start), so a reconnect right after the gap resumes there ' +
          'and is not told of it again.',
        examples: ['0:599,1:41,2:17'],
      },
      event: { type: 'string', const: GAP_EVENT },
      data: {
        type: 'string',
        description:
          'What happened, for a person: in which partitions, and at which offset each goes on.',
      },
    },
    additionalProperties: false,
  },
} as const satisfies Record<string, JsonObject>;

/** A record as `?format=json` sends it (see json-event-of.ts). */
export const JSON_RECORD_SCHEMA: JsonObject = {
  type: 'object',
  required: [
    'topic',
    'partition',
    'offset',
    'timestamp',
    'key',
    'headers',
    'valueEncoding',
    'value',
  ],
  properties: {
    topic: { type: 'string' },
    partition: { type: 'integer', minimum: 0 },
    offset: {
      type: 'string',
      pattern: '^\\d+$',
      description: 'A decimal string: offsets pass 2^53.',
    },
    timestamp: { type: 'string', format: 'date-time' },
    key: { type: ['string', 'null'] },
    headers: {
      type: 'object',
      description:
        'Name -> values in the order of the record (a name may repeat); `{}` when it has none.',
      additionalProperties: { type: 'array', items: { type: 'string' } },
    },
    valueEncoding: {
      type: 'string',
      enum: ['json', 'utf8', 'base64'],
      description:
        'How `value` holds the record value: `json` when the `content-type` header names JSON ' +
        '(`application/json` or `+json`) and the value is JSON, `utf8` for other UTF-8 text, ' +
        '`base64` for bytes that are not UTF-8 text.',
    },
    value: {
      description:
        'The value: any JSON for `json`, put in as it was sent (big numbers and member order ' +
        'kept); else a string, the text or its base64.',
    },
  },
  additionalProperties: false,
  // Only `json` may carry something other than a string.
  anyOf: [
    { properties: { valueEncoding: { const: 'json' } } },
    { properties: { valueEncoding: { enum: ['utf8', 'base64'] }, value: { type: 'string' } } },
  ],
};

/**
 * The stream's item: one of the events above. `anyOf`, not `oneOf`: a JSON format's data is also
 * text, and which format a stream has is chosen by `?format=`.
 */
export const STREAM_ITEM_SCHEMA: JsonObject = {
  anyOf: Object.keys(STREAM_EVENT_SCHEMAS).map((name) => ({
    $ref: `#/components/schemas/${name}`,
  })),
};
