import type { Readiness } from '@demo-kafka/app-kit';

/**
 * Record headers: name -> value, or the values in order for a repeated name (UTF-8 text).
 * One object may be shared by many records: copy it to change it, never mutate it.
 */
export type RecordHeaders = Readonly<Record<string, string | readonly string[]>>;

/** A message to write, as the HTTP layer hands it over. */
export interface OutgoingRecord {
  readonly value: Buffer;
  readonly key?: string | undefined;
  readonly headers?: RecordHeaders | undefined;
  /** When the write must be done by (epoch ms); default: the produce timeout from now. */
  readonly deadline?: number | undefined;
}

/** Where Kafka put a record. */
export interface RecordAck {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record's timestamp, ms since the epoch (formatted only for the clients that ask for JSON). */
  readonly timestampMs: number;
}

/** Why a write did not happen, in the terms the HTTP layer answers with. */
export class SinkError extends Error {
  override readonly name = 'SinkError';

  constructor(
    readonly kind: 'not-ready' | 'timeout' | 'unavailable' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the HTTP layer needs from Kafka. Only `kafka-record-sink.ts` knows kafkajs, so the
 * client library could be swapped without touching the routes.
 */
export interface RecordSink {
  /** Resolves once Kafka acknowledged the record (acks=all); rejects with a {@link SinkError}. */
  write(record: OutgoingRecord): Promise<RecordAck>;
  /**
   * Writes `records` as {@link write} does each, with one promise for all: resolves once every
   * one is settled, with each one's ack or {@link SinkError} in the same order.
   */
  writeAll(records: readonly OutgoingRecord[]): Promise<Array<RecordAck | SinkError>>;
  readiness(): Readiness;
}
