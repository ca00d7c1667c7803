import { type JsonObject, TRACEPARENT_PATTERN } from '@demo-kafka/app-kit';

/**
 * The parameters of `POST /messages`, defined once: the route reads them by these names and the
 * OpenAPI document lists them from here.
 */
export const MESSAGE_PARAMETERS = {
  keyQuery: {
    name: 'key',
    in: 'query',
    required: false,
    description:
      'The record key (same key, same partition), given once. Empty counts as none; wins over ' +
      '`Kafka-Key`. A query of more than 1,000 parameters is refused (the rest would be dropped).',
    schema: { type: 'string' },
    example: 'order-7',
  },
  keyHeader: {
    name: 'Kafka-Key',
    in: 'header',
    required: false,
    description:
      'The record key, for clients that prefer a header to `?key=`: one line, its bytes UTF-8 text.',
    schema: { type: 'string' },
  },
} as const satisfies Record<string, JsonObject & { name: string; in: 'query' | 'header' }>;

type HeaderParameter = JsonObject & { readonly name: string; readonly in: 'header' };

const ceHeader = (
  attribute: string,
  description: string,
  schema: JsonObject = { type: 'string', minLength: 1 },
): HeaderParameter => ({
  name: `ce-${attribute}`,
  in: 'header',
  required: false,
  description:
    `CloudEvents binary mode: becomes the record header \`ce_${attribute}\`, percent-decoded. ` +
    description,
  schema,
});

/**
 * The request headers that become record headers besides `Kafka-Header-<name>` (which OpenAPI
 * cannot list by pattern; the operation describes it): CloudEvents binary mode and W3C trace context.
 */
export const RECORD_HEADER_PARAMETERS: readonly HeaderParameter[] = [
  ceHeader('specversion', 'Required in binary mode; only `1.0`.', { type: 'string', const: '1.0' }),
  ceHeader('id', 'Required in binary mode.'),
  ceHeader('source', 'Required in binary mode (a URI reference).', {
    type: 'string',
    minLength: 1,
    format: 'uri-reference',
  }),
  ceHeader('type', 'Required in binary mode.'),
  ceHeader('subject', 'Optional.', { type: 'string' }),
  ceHeader('time', 'Optional; RFC 3339, a date and time that exist.', {
    type: 'string',
    format: 'date-time',
  }),
  ceHeader('dataschema', 'Optional; a URI.', { type: 'string', format: 'uri' }),
  {
    name: 'traceparent',
    in: 'header',
    required: false,
    description:
      'W3C trace context: carried into the record header `traceparent`, whether or not tracing is ' +
      'exported. Version 00; ids not all zeros; another is refused.',
    schema: { type: 'string', pattern: TRACEPARENT_PATTERN },
  },
  {
    name: 'tracestate',
    in: 'header',
    required: false,
    description: 'W3C trace context: carried into the record header `tracestate`.',
    schema: { type: 'string' },
  },
];

/** The record key header as express reads it (lower case). */
export const KEY_HEADER = MESSAGE_PARAMETERS.keyHeader.name.toLowerCase();
/** The record key query parameter. */
export const KEY_QUERY = MESSAGE_PARAMETERS.keyQuery.name;
