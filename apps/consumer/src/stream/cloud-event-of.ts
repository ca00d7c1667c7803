import { recordId } from '@demo-kafka/app-kit';
import { isJsonContentType } from './json-event-of.js';
import type { StreamRecord } from './stream-record.js';

/** The `type` of an event built from a record that is not a CloudEvent. */
export const RECORD_EVENT_TYPE = 'demo-kafka.record';
/** The Kafka binding's attribute header prefix (binary mode). */
const CE_PREFIX = 'ce_';
const STRUCTURED = /^application\/cloudevents\+json\s*(;|$)/i;
/** CloudEvents' distributed-tracing extension: carried over from the record's W3C trace headers. */
const TRACE_EXTENSIONS = ['traceparent', 'tracestate'] as const;

type JsonObject = Record<string, unknown>;

/** The source of an event built from a record of `topic`. */
export function recordEventSource(topic: string): string {
  return `/topics/${encodeURIComponent(topic)}`;
}

/**
 * The record as one CloudEvent in the JSON format (structured mode): its own event when it is
 * one (the value of a structured-mode record; the `ce_*` headers of a binary-mode one), else
 * one built from it: id `<partition>:<offset>`, source `/topics/<topic>`, type
 * `demo-kafka.record`, time the record's timestamp, the key as `partitionkey`.
 */
export function cloudEventOf(record: StreamRecord): JsonObject {
  const contentType = first(record, 'content-type');
  if (contentType !== undefined && STRUCTURED.test(contentType)) {
    const own = structuredEvent(record);
    if (own !== undefined) return own;
  }
  // Without a prototype: a ce___proto__ or ce_constructor header is then an attribute like any other.
  const event = Object.create(null) as JsonObject;
  if (first(record, 'ce_specversion') !== undefined) {
    // Binary mode: every ce_<attribute> header is the attribute, as written.
    for (const name in record.headers)
      if (name.startsWith(CE_PREFIX)) event[name.slice(CE_PREFIX.length)] = first(record, name);
  } else {
    event.specversion = '1.0';
    event.id = recordId(record.partition, record.offset);
    event.source = recordEventSource(record.topic);
    event.type = RECORD_EVENT_TYPE;
    event.time = new Date(record.timestamp).toISOString();
    if (record.key !== null) event.partitionkey = record.key;
  }
  for (const name of TRACE_EXTENSIONS) {
    const value = first(record, name);
    if (value !== undefined && event[name] === undefined) event[name] = value;
  }
  if (contentType !== undefined) event.datacontenttype = contentType;
  Object.assign(event, dataOf(record, contentType));
  return event;
}

/** `data` as JSON for a JSON content type, as text for UTF-8, else `data_base64`. */
function dataOf(record: StreamRecord, contentType: string | undefined): JsonObject {
  if (record.binaryValue !== undefined)
    return { data_base64: record.binaryValue.toString('base64') };
  if (isJsonContentType(contentType)) {
    try {
      return { data: JSON.parse(record.value) as unknown };
    } catch {
      // Labelled JSON but not: the text as it is.
    }
  }
  return { data: record.value };
}

function structuredEvent(record: StreamRecord): JsonObject | undefined {
  if (record.binaryValue !== undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(record.value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as JsonObject)
      : undefined;
  } catch {
    return undefined;
  }
}

function first(record: StreamRecord, name: string): string | undefined {
  return record.headers?.[name]?.[0];
}
