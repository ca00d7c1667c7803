/** A Kafka record as the stream needs it: where it is, its key and its value as text. */
export interface StreamRecord {
  readonly partition: number;
  readonly offset: bigint;
  /** The record's key as text (for `?key=`); null when it has none. */
  readonly key: string | null;
  readonly value: string;
  /** The record's Kafka timestamp, in ms since the epoch (for `?since=`). */
  readonly timestamp: number;
}

/** A record in the replay buffer, with the event id a client receives for it. */
export interface BufferedEvent extends StreamRecord {
  /** `partition:offset` pairs: this record first, then the last record seen of every other partition. */
  readonly id: string;
}
