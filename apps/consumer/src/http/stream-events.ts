import { STREAM_POSITION_PATTERN, type JsonObject } from '@demo-kafka/app-kit';
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
      'One Kafka record. `data` is its value as UTF-8 text; `id` is where the client is in the topic: `partition:offset` pairs, the record\'s own partition first.',
    required: ['id', 'data'],
    properties: {
      id: { type: 'string', pattern: STREAM_POSITION_PATTERN, examples: ['0:41', '2:17,0:41,1:8'] },
      data: { type: 'string' },
    },
    additionalProperties: false,
  },
  GapEvent: {
    type: 'object',
    title: GAP_EVENT,
    description:
      'Sent first to a resuming client (`Last-Event-ID` or `?since=`) whose missed records are no longer buffered; the stream goes on from the oldest one kept. It carries no id.',
    required: ['event', 'data'],
    properties: {
      event: { type: 'string', const: GAP_EVENT },
      data: { type: 'string', description: 'What happened, for a person.' },
    },
    additionalProperties: false,
  },
} as const satisfies Record<string, JsonObject>;

/** The stream's item: one of the events above. */
export const STREAM_ITEM_SCHEMA: JsonObject = {
  oneOf: Object.keys(STREAM_EVENT_SCHEMAS).map((name) => ({ $ref: `#/components/schemas/${name}` })),
};
