import { isUtf8 } from 'node:buffer';
import type { KafkaMessage } from '@demo-kafka/kafka-client';
import type { StreamRecord, StreamRecordHeaders } from '../stream/stream-record.js';

const EMPTY = Buffer.alloc(0);
/** What kafkajs looked a header name up in: whatever it finds there is not a header's value. */
const PLAIN_OBJECT: object = Object.freeze({});

/**
 * A consumed kafkajs message as the stream holds it: text for the default stream, the bytes too
 * only when they are not text.
 */
export function streamRecordOf(
  topic: string,
  partition: number,
  message: KafkaMessage,
): StreamRecord {
  const bytes = message.value ?? EMPTY;
  const headers = headersOf(message.headers);
  return {
    topic,
    partition,
    offset: BigInt(message.offset),
    key: message.key?.toString('utf8') ?? null,
    value: bytes.toString('utf8'),
    // A copy: kafkajs' buffer is a slice of the whole fetch response, which the replay buffer would keep alive.
    binaryValue: isUtf8(bytes) ? undefined : Buffer.from(bytes),
    headers,
    timestamp: Number(message.timestamp),
  };
}

/**
 * kafkajs gives a Buffer per header, or an array for a repeated name; none gives an empty object.
 * It builds them on a plain `{}` and takes a name's first value as a repeat when `{}[name]` is
 * already defined: `constructor`, `__proto__` and every other name `Object.prototype` has come
 * with that inherited value first, which is dropped here. The result has no prototype, so such a
 * name is a header like any other downstream.
 */
function headersOf(raw: KafkaMessage['headers']): StreamRecordHeaders | undefined {
  let headers: Record<string, string[]> | undefined;
  for (const name in raw) {
    // for...in walks inherited names too; a header's are own (kafkajs spreads them in).
    if (!Object.hasOwn(raw, name)) continue;
    const value = raw[name];
    if (value === undefined) continue;
    let values = Array.isArray(value) ? value : [value];
    if (name in PLAIN_OBJECT && values[0] === Reflect.get(PLAIN_OBJECT, name))
      values = values.slice(1);
    headers ??= Object.create(null) as Record<string, string[]>;
    headers[name] = values.map(String);
  }
  return headers;
}
