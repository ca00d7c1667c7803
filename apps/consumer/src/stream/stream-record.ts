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
