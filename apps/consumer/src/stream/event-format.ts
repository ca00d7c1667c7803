import { cloudEventOf } from './cloud-event-of.js';
import { jsonEventText } from './json-event-of.js';
import type { BufferedEvent } from './stream-record.js';

/** `?format=`: the value as is (the default, the seed's contract), the record as JSON, or as a CloudEvent. */
export const EVENT_FORMATS = ['text', 'json', 'cloudevents'] as const;
export type EventFormat = (typeof EVENT_FORMATS)[number];

/** Whether `value` names a format. */
export function isEventFormat(value: string): value is EventFormat {
  return (EVENT_FORMATS as readonly string[]).includes(value);
}

/** An event's `data` in `format`: the value itself, or one line of JSON (JSON.stringify writes no raw newline). */
export function eventData(event: BufferedEvent, format: EventFormat): string {
  if (format === 'text') return event.value;
  return format === 'json' ? jsonEventText(event) : JSON.stringify(cloudEventOf(event));
}
