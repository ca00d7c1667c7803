/** One record waiting for its batch, with how to settle its HTTP request. */
interface Pending<R, A> {
  readonly record: R;
  readonly bytes: number;
  resolve(ack: A): void;
  reject(error: unknown): void;
}

export interface BatchingOptions {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Batches sent at once; 1 keeps order and is what kafkajs' idempotent producer allows. */
  readonly maxInFlight: number;
}

/**
 * Coalesces concurrent sends into few batches without adding latency: a record goes out at once
 * when nothing is in flight; records that arrive meanwhile ride together in the next batch.
 * So batches grow with load, and each caller is settled with its own record's result.
 */
export class BatchingSender<R, A> {
  readonly #queue: Array<Pending<R, A>> = [];
  #inFlight = 0;
  #idle: Array<() => void> = [];

  constructor(
    /** Sends a batch; resolves with each record's ack, or an Error for a record that alone failed. */
    private readonly sendBatch: (records: readonly R[]) => Promise<ReadonlyArray<A | Error>>,
    private readonly options: BatchingOptions,
    private readonly onBatch: (size: number) => void = () => {},
  ) {}

  /** Queues `record`; resolves with its ack once its batch is written. */
  send(record: R, bytes: number): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      this.#queue.push({ record, bytes, resolve, reject });
      this.#pump();
    });
  }

  /** Takes a record that has not been sent yet back out of the queue (its caller gave up). */
  withdraw(record: R): boolean {
    const index = this.#queue.findIndex((p) => p.record === record);
    if (index === -1) return false;
    this.#queue.splice(index, 1);
    return true;
  }

  /** Records queued or in flight. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Resolves when every queued record has been sent and settled. */
  drained(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#inFlight < this.options.maxInFlight && this.#queue.length > 0) {
      const batch = this.#takeBatch();
      this.#inFlight += 1;
      this.onBatch(batch.length);
      this.sendBatch(batch.map((p) => p.record))
        .then(
          (acks) =>
            batch.forEach((p, i) => {
              const ack = acks[i];
              if (ack === undefined) p.reject(new Error('no ack for record'));
              else if (ack instanceof Error) p.reject(ack);
              else p.resolve(ack);
            }),
          (error: unknown) => batch.forEach((p) => p.reject(error)),
        )
        .finally(() => {
          this.#inFlight -= 1;
          this.#pump();
          if (this.#queue.length === 0 && this.#inFlight === 0) this.#idle.splice(0).forEach((resolve) => resolve());
        });
    }
  }

  #takeBatch(): Array<Pending<R, A>> {
    let bytes = 0;
    let count = 0;
    for (const pending of this.#queue) {
      // The first record always goes, even alone above the byte bound.
      if (count > 0 && (count >= this.options.maxRecords || bytes + pending.bytes > this.options.maxBytes)) break;
      bytes += pending.bytes;
      count += 1;
    }
    return this.#queue.splice(0, count);
  }
}
