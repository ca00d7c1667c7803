/** A record batch a consumer could not decode and skipped, with its whole range of offsets. */
export interface UndecodableBatch {
  /** The consumer group whose consumer skipped it. */
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** The batch's first and last offsets (int64, as text): the records no one was given. */
  readonly firstOffset: string;
  readonly lastOffset: string;
  /** Why it could not be decoded (a codec's error, or a compression id Kafka does not define). */
  readonly error: unknown;
}

/** Told of each skipped batch once, as the fetch that met it returns. */
export type UndecodableBatchListener = (batch: UndecodableBatch) => void;

const listeners = new Set<UndecodableBatchListener>();

/**
 * Registers a listener for the batches any consumer of this process skips (filter on `groupId`);
 * returns the function that removes it.
 */
export function onUndecodableBatch(listener: UndecodableBatchListener): () => void {
  // A wrapper of its own, so registering one function twice gives two independent registrations.
  const registration: UndecodableBatchListener = (batch) => listener(batch);
  listeners.add(registration);
  return () => {
    listeners.delete(registration);
  };
}

/** Tells every listener of a skipped batch. */
export function reportUndecodableBatch(batch: UndecodableBatch): void {
  // Called inside kafkajs' fetch: a listener that throws must not fail the fetch or the others.
  for (const listener of listeners) {
    try {
      listener(batch);
    } catch {
      // The listener's own failure is its own; the skip is still reported to the rest.
    }
  }
}
