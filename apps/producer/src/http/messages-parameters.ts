import type { JsonObject } from '@demo-kafka/app-kit';

/**
 * The parameters of `POST /messages`, defined once: the route reads them by these names and the
 * OpenAPI document lists them from here.
 */
export const MESSAGE_PARAMETERS = {
  keyQuery: {
    name: 'key',
    in: 'query',
    required: false,
    description: 'The record key (same key, same partition). Empty counts as none; wins over `Kafka-Key`.',
    schema: { type: 'string' },
    example: 'order-7',
  },
  keyHeader: {
    name: 'Kafka-Key',
    in: 'header',
    required: false,
    description: 'The record key, for clients that prefer a header to `?key=`.',
    schema: { type: 'string' },
  },
} as const satisfies Record<string, JsonObject & { name: string; in: 'query' | 'header' }>;

/** The record key header as express reads it (lower case). */
export const KEY_HEADER = MESSAGE_PARAMETERS.keyHeader.name.toLowerCase();
/** The record key query parameter. */
export const KEY_QUERY = MESSAGE_PARAMETERS.keyQuery.name;
