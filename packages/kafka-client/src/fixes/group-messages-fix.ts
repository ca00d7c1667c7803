import { swapKafkajsModule } from './kafkajs-module-swap.js';

/** What kafkajs' producer hands its grouping of a send's messages by partition. */
interface GroupingArgs<M> {
  readonly topic: string;
  readonly partitionMetadata: readonly unknown[];
  readonly messages: readonly M[];
  readonly partitioner: (args: {
    topic: string;
    partitionMetadata: readonly unknown[];
    message: M;
  }) => number;
}

type Grouping = <M>(args: GroupingArgs<M>) => Record<number, M[]>;

/** A send's messages by the partition the partitioner picks, in their order: one pass, one array per partition. */
export function groupMessagesPerPartition<M>({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: GroupingArgs<M>): Record<number, M[]> {
  const groups: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return groups;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const group = groups[partition];
    if (group === undefined) groups[partition] = [message];
    else group.push(message);
  }
  return groups;
}

/**
 * kafkajs 2.2.4 groups a send's messages by partition by copying the partition's array for every
 * message (`[...current, message]`): quadratic in the batch, 2% of the producer's CPU at 128
 * connections, where the batching sender hands it a hundred records at a time. This swaps in
 * {@link groupMessagesPerPartition} (the same groups, in the same order), before kafkajs' producer
 * loads it (kafkajs-fixes.ts runs it first). Returns whether it swapped.
 */
export function fixGroupMessagesPerPartition(): boolean {
  return swapKafkajsModule<Grouping>(
    'kafkajs/src/producer/groupMessagesPerPartition.js',
    'kafkajs/src/producer/sendMessages.js',
    () => groupMessagesPerPartition,
  );
}
