import { STREAM_POSITION_MAX_LENGTH, type JsonObject } from '@demo-kafka/app-kit';
import { EVENT_FORMATS } from '../stream/event-format.js';

/** `?since=` in milliseconds since the epoch (the other form is ISO 8601). */
const SINCE_MS_SOURCE = '^\\d{1,15}$';
/** `?since=` in milliseconds since the epoch, as the route reads it. */
export const SINCE_MS = new RegExp(SINCE_MS_SOURCE);

/**
 * The parameters of `GET /messages`, defined once: the route reads them by these names and
 * rules, and the OpenAPI document lists them from here.
 */
export const STREAM_PARAMETERS = {
  lastEventIdHeader: {
    name: 'Last-Event-ID',
    in: 'header',
    required: false,
    description:
      'Resume right after this event id (browsers send it by themselves when they reconnect): ' +
      'every record after it exactly once, then live ones, also across a restart or another ' +
      'replica. It reaches as far back as Kafka keeps the topic: what the replay buffer no longer ' +
      'holds is read from Kafka, a part at a time as the client takes it. A partition the id does ' +
      'not name counts as nothing received there (it is sent from its start); partitions the ' +
      'topic does not have are dropped. A malformed id counts as none (the client is served as a ' +
      'new one). When Kafka no longer holds records after it (retention) or it names offsets past ' +
      'the end of a partition, a `gap` event says so.',
    schema: { type: 'string', maxLength: STREAM_POSITION_MAX_LENGTH },
    example: '0:41',
  },
  lastEventIdQuery: {
    name: 'lastEventId',
    in: 'query',
    required: false,
    description:
      'As `Last-Event-ID`, for clients that cannot set headers (the header wins when both are given).',
    schema: { type: 'string' },
  },
  since: {
    name: 'since',
    in: 'query',
    required: false,
    description:
      'Without an event id: resume by time (milliseconds since the epoch, or ISO 8601): in each ' +
      'partition, from the first record stamped at or after it, then live ones. From the replay ' +
      'buffer when it reaches back that far, else from Kafka (its offsets found by timestamp), ' +
      'as far back as Kafka keeps the topic; an earlier time starts from the oldest record it holds.',
    schema: {
      anyOf: [
        { type: 'string', pattern: SINCE_MS_SOURCE },
        { type: 'string', format: 'date-time' },
        { type: 'string', format: 'date' },
      ],
    },
    example: '2026-11-25T18:00:00Z',
  },
  key: {
    name: 'key',
    in: 'query',
    required: false,
    description:
      'Only the records with this key (ids stay positions in the whole topic). One key per ' +
      'stream; empty counts as none.',
    schema: { type: 'string' },
    example: 'order-7',
  },
  header: {
    name: 'header',
    in: 'query',
    required: false,
    description:
      'Only the records with this header value, as `<name>:<value>` (the first colon splits; the ' +
      'value may be empty or hold colons). Alone or with `key`; one per stream.',
    schema: { type: 'string', pattern: '^[^:]+:' },
    example: 'correlation-id:c-42',
  },
  format: {
    name: 'format',
    in: 'query',
    required: false,
    description:
      "Each event's data: `text` (the default: the value itself), `json` (the record: topic, " +
      'partition, offset, timestamp, key, headers and value: JSON as JSON, text as a string, ' +
      'other bytes as base64), ' +
      "or `cloudevents` (a CloudEvent in JSON structured mode: the record's own event when it is " +
      'one, else one built from it). Ids, replay and resume work the same in every format.',
    schema: { type: 'string', enum: [...EVENT_FORMATS], default: 'text' },
  },
} as const satisfies Record<string, JsonObject & { name: string; in: 'query' | 'header' }>;
