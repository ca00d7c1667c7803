/** One record waiting for its batch, with how to settle its HTTP request. */
interface Pending<R, A> {
  readonly record: R;
  readonly bytes: number;
  /** performance.now() after which the caller is answered with a timeout. */
  readonly deadline: number;
  settled: boolean;
  resolve(ack: A): void;
  reject(error: unknown): void;
}

export interface BatchingOptions {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /**
   * A record not acknowledged within this long is rejected with `timeoutError()`: taken out of
   * the queue if it was not sent yet (so it is never written), or given up on if it is in flight.
   */
  readonly timeoutMs?: number;
  readonly timeoutError?: () => Error;
}

/**
 * Coalesces concurrent sends into few batches without adding latency: a record goes out at once
 * when nothing is in flight; records that arrive meanwhile ride together in the next batch.
 * So batches grow with load, and each caller is settled with its own record's result. One batch
 * is in flight at a time: that keeps order, and is what kafkajs' idempotent producer allows.
 * Timeouts are checked by one timer for all records, not one timer each.
 */
export class BatchingSender<R, A> {
  readonly #queue: Array<Pending<R, A>> = [];
  #inFlight: ReadonlyArray<Pending<R, A>> = [];
  #idle: Array<() => void> = [];
  #sweep: NodeJS.Timeout | undefined;
  readonly #timeoutMs: number;
  readonly #sweepMs: number;

  constructor(
    /** Sends a batch; resolves with each record's ack, or an Error for a record that alone failed. */
    private readonly sendBatch: (records: readonly R[]) => Promise<ReadonlyArray<A | Error>>,
    private readonly options: BatchingOptions,
    private readonly onBatch: (size: number) => void = () => {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
    // A timeout answers at most a tenth late.
    this.#sweepMs = Math.max(5, Math.min(1000, this.#timeoutMs / 10));
  }

  /** Queues `record`; resolves with its ack once its batch is written. */
  send(record: R, bytes: number): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      this.#queue.push({
        record,
        bytes,
        deadline: performance.now() + this.#timeoutMs,
        settled: false,
        resolve,
        reject,
      });
      this.#pump();
      if (this.#sweep === undefined && Number.isFinite(this.#timeoutMs)) this.#armSweep();
    });
  }

  /** Records queued or in flight. */
  get pending(): number {
    return this.#queue.length + this.#inFlight.length;
  }

  /** Resolves when every queued record has been sent and settled. */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    if (this.#inFlight.length > 0 || this.#queue.length === 0) return;
    const batch = this.#takeBatch();
    this.#inFlight = batch;
    this.onBatch(batch.length);
    this.sendBatch(batch.map((p) => p.record))
      .then(
        (acks) => {
          for (let i = 0; i < batch.length; i++) {
            const p = batch[i] as Pending<R, A>;
            if (p.settled) continue;
            p.settled = true;
            const ack = acks[i];
            if (ack === undefined) p.reject(new Error('no ack for record'));
            else if (ack instanceof Error) p.reject(ack);
            else p.resolve(ack);
          }
        },
        (error: unknown) => {
          for (const p of batch) {
            if (p.settled) continue;
            p.settled = true;
            p.reject(error);
          }
        },
      )
      .finally(() => {
        this.#inFlight = [];
        this.#pump();
        if (this.pending === 0)
          this.#idle.splice(0).forEach((resolve) => {
            resolve();
          });
      });
  }

  #armSweep(): void {
    this.#sweep = setTimeout(() => {
      this.#sweep = undefined;
      const now = performance.now();
      for (const p of this.#inFlight) if (!p.settled && p.deadline <= now) this.#timeOut(p);
      // Queued in arrival order, so the expired ones are at the head.
      let expired = 0;
      while (expired < this.#queue.length && (this.#queue[expired]?.deadline ?? Infinity) <= now)
        expired++;
      for (const p of this.#queue.splice(0, expired)) this.#timeOut(p);
      if (this.#queue.length === 0 && this.#inFlight.length === 0 && expired > 0)
        this.#idle.splice(0).forEach((resolve) => {
          resolve();
        });
      if (this.#queue.length > 0 || this.#inFlight.some((p) => !p.settled)) this.#armSweep();
    }, this.#sweepMs);
    this.#sweep.unref();
  }

  #timeOut(p: Pending<R, A>): void {
    p.settled = true;
    p.reject(
      this.options.timeoutError?.() ?? new Error(`not acknowledged within ${this.#timeoutMs} ms`),
    );
  }

  #takeBatch(): Array<Pending<R, A>> {
    let bytes = 0;
    let count = 0;
    for (const pending of this.#queue) {
      // The first record always goes, even alone above the byte bound.
      if (
        count > 0 &&
        (count >= this.options.maxRecords || bytes + pending.bytes > this.options.maxBytes)
      )
        break;
      bytes += pending.bytes;
      count += 1;
    }
    return this.#queue.splice(0, count);
  }
}
