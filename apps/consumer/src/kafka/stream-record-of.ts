import { isUtf8 } from 'node:buffer';
import type { KafkaMessage } from '@demo-kafka/kafka-client';
import type { StreamRecord, StreamRecordHeaders } from '../stream/stream-record.js';

const EMPTY = Buffer.alloc(0);

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

/** kafkajs gives a Buffer per header, or an array for a repeated name; none gives an empty object. */
function headersOf(raw: KafkaMessage['headers']): StreamRecordHeaders | undefined {
  let headers: Record<string, string[]> | undefined;
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined) continue;
    headers ??= Object.create(null) as Record<string, string[]>;
    headers[name] = Array.isArray(value) ? value.map(String) : [String(value)];
  }
  return headers;
}
