/**
 * Where this process resumes reading Kafka, partition by partition: the one question the Kafka
 * record source asks and the replay buffer answers. After a (re)join the source seeks each
 * partition to `nextOffset`, or when nothing is held yet, to the refill start it announced.
 */
export interface ResumePoints {
  /** The refill of `partition` starts at `offset`: the stream holds nothing from before it. */
  refillStartsAt(partition: number, offset: bigint): void;
  /** The offset to read next in `partition` (just after the newest record held); undefined when none is held. */
  nextOffset(partition: number): bigint | undefined;
}
