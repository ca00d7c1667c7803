/** A record's headers as text: name -> values in the order Kafka holds them (a name may repeat). */
export type StreamRecordHeaders = Readonly<Record<string, readonly string[]>>;

/** A Kafka record as the stream needs it: where it is, its key, headers and value as text. */
export interface StreamRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** The record's key as text (for `?key=`); null when it has none. */
  readonly key: string | null;
  readonly value: string;
  /** The value's bytes, kept only when they are not valid UTF-8 (`value` then holds replacement characters). */
  readonly binaryValue?: Buffer | undefined;
  /** The record's headers (values decoded as UTF-8); absent when it has none. */
  readonly headers?: StreamRecordHeaders | undefined;
  /** The record's Kafka timestamp, in ms since the epoch (for `?since=`). */
  readonly timestamp: number;
}

/** A record in the replay buffer, with the event id a client receives for it. */
export interface BufferedEvent extends StreamRecord {
  /** `partition:offset` pairs: this record first, then the last record seen of every other partition. */
  readonly id: string;
}

/**
 * `record` as the event with `id`. Spelled out rather than spread: it runs for every record of a
 * catch-up, where a profile had the spread among the largest costs.
 */
export function withId(record: StreamRecord, id: string): BufferedEvent {
  // Every field named, so one added to StreamRecord fails to compile here rather than being dropped.
  const event = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    binaryValue: record.binaryValue,
    headers: record.headers,
    timestamp: record.timestamp,
    id,
  } satisfies Record<keyof BufferedEvent, unknown>;
  return event;
}
