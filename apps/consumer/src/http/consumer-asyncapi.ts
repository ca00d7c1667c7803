import {
  CLOUD_EVENT_SCHEMA,
  TRACEPARENT_PATTERN,
  type Guard,
  type JsonObject,
} from '@demo-kafka/app-kit';
import { STREAM_PATH } from './messages-stream-route.js';
import { JSON_RECORD_SCHEMA, STREAM_EVENT_SCHEMAS } from './stream-events.js';
import { STREAM_PARAMETERS } from './stream-parameters.js';

export interface ConsumerAsyncApiOptions {
  /** The topic the consumer reads (`topicPrefix + TOPIC`). */
  readonly topic: string;
  /** What `GET /messages` needs in `Authorization` (absent: nothing). */
  readonly guard?: Pick<Guard, 'scheme'> | undefined;
}

/** The record headers the producer writes (Kafka headers are name/value pairs; a name may repeat). */
const RECORD_HEADERS: JsonObject = {
  type: 'object',
  description:
    'Kafka record headers, values UTF-8 text. A name may repeat (a repeated `Kafka-Header-<name>` ' +
    'request header gives repeated headers, in order). ' +
    'Every `Kafka-Header-<name>: <value>` request header of the POST becomes the header `<name>`, ' +
    'in lower case (HTTP header names are case-insensitive). A `ce_<attribute>` header holds ' +
    'the `ce-<attribute>` request header percent-decoded (the HTTP binding encodes it).',
  properties: {
    'content-type': {
      type: 'string',
      description: "The POST's Content-Type: what the value's bytes are.",
      examples: ['text/plain', 'application/json'],
    },
    ce_specversion: {
      type: 'string',
      const: '1.0',
      description: 'CloudEvents binary mode (Kafka protocol binding): from `ce-specversion`.',
    },
    ce_id: { type: 'string', minLength: 1, description: 'From `ce-id`.' },
    ce_source: {
      type: 'string',
      minLength: 1,
      format: 'uri-reference',
      description: 'From `ce-source`.',
    },
    ce_type: { type: 'string', minLength: 1, description: 'From `ce-type`.' },
    ce_time: { type: 'string', format: 'date-time', description: 'From `ce-time`.' },
    ce_subject: { type: 'string', description: 'From `ce-subject`.' },
    ce_dataschema: { type: 'string', format: 'uri', description: 'From `ce-dataschema`.' },
    traceparent: {
      type: 'string',
      pattern: TRACEPARENT_PATTERN,
      description:
        "W3C trace context: the producer span's context, or the request's `traceparent`.",
    },
    tracestate: {
      type: 'string',
      description: 'W3C trace context vendor state, from the request.',
    },
  },
  additionalProperties: {
    type: 'string',
    description:
      'A `Kafka-Header-<name>` request header, or a CloudEvents extension attribute (`ce_<name>`).',
  },
};

const message = (
  name: string,
  title: string,
  summary: string,
  payload: JsonObject,
  extra: JsonObject = {},
): JsonObject => ({ name, title, summary, payload, ...extra });
const ref = (path: string): JsonObject => ({ $ref: path });

/**
 * The consumer's AsyncAPI document (the topic it reads and the stream it serves), as `GET
 * /asyncapi.json` serves it.
 */
export function consumerAsyncApi(options: ConsumerAsyncApiOptions): JsonObject {
  const kafkaKey = {
    key: {
      type: 'string',
      description: "The record key: the producer's `?key=` or `Kafka-Key`; none when not given.",
    },
    bindingVersion: '0.5.0',
  };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Kafka topic and its Server-Sent Events stream',
      version: '1.0.0',
      description:
        'The records of the bound topic, as the producer writes them (POST /messages), and the ' +
        'events the consumer streams from them (GET /messages). ' +
        'The HTTP side of both apps is described in OpenAPI at /openapi.json.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: {
      kafka: {
        host: '{bootstrap}',
        protocol: 'kafka-secure',
        description:
          "The bound Kafka cluster: the binding Secret's brokers, over TLS with SASL (SCRAM or PLAIN) or mutual TLS.",
        variables: {
          bootstrap: {
            description: 'A broker from the binding (`brokers`).',
            default: 'localhost:9094',
          },
        },
        security: [
          ref('#/components/securitySchemes/scramSha256'),
          ref('#/components/securitySchemes/scramSha512'),
          ref('#/components/securitySchemes/plain'),
          ref('#/components/securitySchemes/mutualTls'),
        ],
      },
      consumer: {
        host: 'localhost:31876',
        protocol: 'http',
        description: 'The consumer app (NodePort 31876 on the cluster).',
        ...(options.guard ? { security: [ref('#/components/securitySchemes/bearer')] } : {}),
      },
    },
    channels: {
      records: {
        address: options.topic,
        title: 'The topic',
        description:
          'The bound topic (`topicPrefix + TOPIC`). Each POST /messages is one record, and each ' +
          'line of an application/x-ndjson POST. Record batches may be compressed with gzip, ' +
          'snappy, lz4 or zstd (the producer with KAFKA_COMPRESSION, or any other client): the ' +
          'consumer reads them all, and skips a batch it cannot decode (counted in ' +
          'kafka_undecodable_batches_total) instead of stopping the stream.',
        servers: [ref('#/servers/kafka')],
        messages: {
          record: ref('#/components/messages/KafkaRecord'),
          cloudEvent: ref('#/components/messages/StructuredCloudEvent'),
        },
        bindings: { kafka: { topic: options.topic, bindingVersion: '0.5.0' } },
      },
      stream: {
        address: STREAM_PATH,
        title: 'The Server-Sent Events stream',
        description:
          'GET /messages (text/event-stream). Each event is shown as its SSE fields; `data` holds ' +
          'several lines when the value does.',
        servers: [ref('#/servers/consumer')],
        messages: {
          record: ref('#/components/messages/RecordEvent'),
          jsonRecord: ref('#/components/messages/JsonRecordEvent'),
          cloudEventRecord: ref('#/components/messages/CloudEventRecordEvent'),
          gap: ref('#/components/messages/GapEvent'),
        },
      },
    },
    operations: {
      receiveRecords: {
        action: 'receive',
        channel: ref('#/channels/records'),
        title: 'Read the topic',
        description:
          'One Kafka consumer per process, in a consumer group of its own (`topicPrefix + ' +
          'GROUP_ID-CONSUMER_INSTANCE`), so every replica reads every record. ' +
          'It starts REPLAY_SIZE records back from the end and commits nothing. Resumes from ' +
          'further back than its replay buffer are read by one more reader per process, in no ' +
          'group, shared by all of them.',
        messages: [
          ref('#/channels/records/messages/record'),
          ref('#/channels/records/messages/cloudEvent'),
        ],
      },
      sendStreamEvents: {
        action: 'send',
        channel: ref('#/channels/stream'),
        title: 'Stream every record to every client',
        description:
          "The replay (the last REPLAY_SIZE records, or what follows the client's Last-Event-ID or " +
          '?since=: from the buffer, else read from Kafka as far back as it keeps the topic), then ' +
          'live records, with no gap and no duplicate between them.',
        messages: ['record', 'jsonRecord', 'cloudEventRecord', 'gap'].map((name) =>
          ref(`#/channels/stream/messages/${name}`),
        ),
        bindings: {
          http: {
            method: 'GET',
            query: {
              type: 'object',
              properties: Object.fromEntries(
                Object.values(STREAM_PARAMETERS)
                  .filter((p) => p.in === 'query')
                  .map((p) => [p.name, { ...p.schema, description: p.description }]),
              ),
            },
            bindingVersion: '0.3.0',
          },
        },
      },
    },
    components: {
      schemas: {
        ...STREAM_EVENT_SCHEMAS,
        RecordHeaders: RECORD_HEADERS,
        CloudEvent: CLOUD_EVENT_SCHEMA,
        JsonRecord: JSON_RECORD_SCHEMA,
      },
      messages: {
        KafkaRecord: message(
          'record',
          'A record',
          'The body of one POST /messages, byte for byte (once decoded, when sent with a Content-Encoding).',
          { description: 'The value: any bytes (the `content-type` header says what they are).' },
          {
            headers: ref('#/components/schemas/RecordHeaders'),
            bindings: { kafka: kafkaKey },
          },
        ),
        StructuredCloudEvent: message(
          'cloudEvent',
          'A CloudEvent in structured mode',
          'A POST with `Content-Type: application/cloudevents+json`: the value is the event as JSON, stored as posted.',
          ref('#/components/schemas/CloudEvent'),
          {
            contentType: 'application/cloudevents+json',
            headers: ref('#/components/schemas/RecordHeaders'),
            bindings: { kafka: kafkaKey },
          },
        ),
        RecordEvent: message(
          'record',
          'A record',
          'One record: its value as text, its place in the topic as the id.',
          ref('#/components/schemas/RecordEvent'),
          { contentType: 'text/event-stream' },
        ),
        JsonRecordEvent: message(
          'jsonRecord',
          'A record (format=json)',
          'With `?format=json`: the record as one line of JSON, a JSON value as JSON.',
          ref('#/components/schemas/JsonRecordEvent'),
          {
            contentType: 'text/event-stream',
          },
        ),
        CloudEventRecordEvent: message(
          'cloudEventRecord',
          'A record (format=cloudevents)',
          'With `?format=cloudevents`: the record as a CloudEvent in JSON structured mode.',
          ref('#/components/schemas/CloudEventRecordEvent'),
          { contentType: 'text/event-stream' },
        ),
        GapEvent: message(
          'gap',
          'A gap',
          'Records the client missed are no longer in Kafka, or its id is past the end of a partition.',
          ref('#/components/schemas/GapEvent'),
          { contentType: 'text/event-stream' },
        ),
      },
      securitySchemes: {
        scramSha256: {
          type: 'scramSha256',
          description: 'SASL SCRAM-SHA-256 (the hosted plan, the local broker).',
        },
        scramSha512: { type: 'scramSha512', description: 'SASL SCRAM-SHA-512 (Strimzi).' },
        plain: { type: 'plain', description: 'SASL PLAIN over TLS (managed clouds).' },
        mutualTls: { type: 'X509', description: 'A client certificate (mutual TLS).' },
        ...(options.guard ? { bearer: options.guard.scheme } : {}),
      },
    },
  };
}
