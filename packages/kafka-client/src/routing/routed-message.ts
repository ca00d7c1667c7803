import type { ICustomPartitioner, Message, PartitionMetadata } from '../kafkajs.js';

/** Where the partition first chosen for a message is kept (cheaper than a WeakMap). */
const CHOSEN_PARTITION = Symbol('chosen partition');
/** Until when kafkajs may go on retrying the batch that carries the message (epoch ms). */
const RETRY_UNTIL = Symbol('retry until');

/** A message with what the producer keeps on it across kafkajs' retries. */
export type RoutedMessage = Message & { [CHOSEN_PARTITION]?: number; [RETRY_UNTIL]?: number };

/** The partition a message was first sent to (undefined before it was partitioned). */
export function chosenPartition(message: Message): number | undefined {
  return (message as RoutedMessage)[CHOSEN_PARTITION];
}

/** Lets kafkajs retry a batch holding this message until `epochMs` (its produce timeout). */
export function retryUntil(message: Message, epochMs: number): void {
  (message as RoutedMessage)[RETRY_UNTIL] = epochMs;
}

/**
 * A batch is retried until the latest of its messages' times: the older ones have had their 503
 * by then, and ending earlier would answer the newer ones 503 before their produce timeout.
 * Returns that time (epoch ms; -Infinity when no message has one).
 */
export function retryBatchUntilLatest(messages: readonly Message[]): number {
  const latest = Math.max(
    ...messages.map((m) => (m as RoutedMessage)[RETRY_UNTIL] ?? Number.NEGATIVE_INFINITY),
  );
  if (Number.isFinite(latest))
    for (const message of messages) (message as RoutedMessage)[RETRY_UNTIL] = latest;
  return latest;
}

/**
 * The batch's retry time is spent: thrown from the partitioner, which kafkajs calls at the start
 * of every attempt, so its retrier stops there (the error is not retriable). kafkajs bounds its
 * retries by a count only; this bounds them by time.
 */
export class RetryTimeSpent extends Error {
  readonly retriable = false;
  constructor(readonly untilMs: number) {
    super(`the produce timeout was spent retrying (until ${new Date(untilMs).toISOString()})`);
    this.name = 'RetryTimeSpent';
  }
}

/**
 * Wraps a partitioner so that (1) a message keeps the partition first chosen for it: on each
 * retry kafkajs partitions the whole batch again but resends only to the brokers that had not
 * answered, so a record moved to another partition would be either never sent or written twice;
 * and (2) an attempt that starts after the batch's retry time ends the retries ({@link RetryTimeSpent}).
 * `observe` is handed the partitions (and their leaders) kafkajs partitions by, on every attempt.
 */
export function firstChoicePartitioner(
  inner: ICustomPartitioner,
  observe?: (topic: string, partitions: readonly PartitionMetadata[]) => void,
): ICustomPartitioner {
  return () => {
    const choose = inner();
    return (args) => {
      observe?.(args.topic, args.partitionMetadata);
      const message = args.message as RoutedMessage;
      const until = message[RETRY_UNTIL];
      if (until !== undefined && Date.now() > until) throw new RetryTimeSpent(until);
      message[CHOSEN_PARTITION] ??= choose(args);
      return message[CHOSEN_PARTITION];
    };
  };
}
