/** What Kafka answered for one partition of a produce request. */
export interface PartitionBase {
  readonly partition: number;
  /** The offset of the first record of this request written to the partition. */
  readonly baseOffset: string;
}

/**
 * The offset of each record of one produce request, in the order sent. Kafka reports one base
 * offset per partition; the records sent to a partition take consecutive offsets from it, in the
 * order they were sent. `partitions[i]` is where record `i` went.
 */
export function recordOffsets(
  partitions: readonly number[],
  bases: readonly PartitionBase[],
): string[] {
  const next = new Map(bases.map((b) => [b.partition, BigInt(b.baseOffset)]));
  return partitions.map((partition) => {
    const offset = next.get(partition);
    if (offset === undefined)
      throw new Error(`Kafka reported no base offset for partition ${partition}`);
    next.set(partition, offset + 1n);
    return String(offset);
  });
}
