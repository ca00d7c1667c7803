/** Who is told a record's outcome: one caller's promise, or a place in a group's answer. */
interface Settler<A> {
  resolve(ack: A, index: number): void;
  reject(error: unknown, index: number): void;
}

/** One record waiting for its batch, with how to settle its HTTP request. */
interface Pending<R, A> {
  readonly record: R;
  readonly bytes: number;
  /** performance.now() after which the caller is answered with a timeout. */
  readonly deadline: number;
  /** The partition it is bound for (undefined: not known, it goes with nothing else in flight). */
  partition: number | undefined;
  settled: boolean;
  readonly to: Settler<A>;
  /** Its place among the records sent together by `sendAll`. */
  readonly index: number;
}

/** The outcomes of records sent together, answered once all are settled. */
class GroupSettler<A> implements Settler<A> {
  readonly #outcomes: Array<A | Error>;
  #left: number;

  constructor(
    size: number,
    private readonly done: (outcomes: Array<A | Error>) => void,
  ) {
    this.#outcomes = new Array<A | Error>(size);
    this.#left = size;
  }

  resolve(ack: A, index: number): void {
    this.#outcomes[index] = ack;
    if (--this.#left === 0) this.done(this.#outcomes);
  }

  reject(error: unknown, index: number): void {
    this.#outcomes[index] = error instanceof Error ? error : new Error(String(error));
    if (--this.#left === 0) this.done(this.#outcomes);
  }
}

/** A batch in flight: its records, and the partitions it holds (none: it holds them all). */
interface Batch<R, A> {
  readonly records: ReadonlyArray<Pending<R, A>>;
  readonly partitions: ReadonlySet<number> | undefined;
  /** The group (leader) its records were taken for, with lanes. */
  readonly group?: number;
  readonly startedAt: number;
}

/**
 * How many slow-partition bounds a partition whose batch failed or was slow is kept clear of
 * movable records: long enough for the cluster to move a leadership, short enough that a
 * partition without keyed traffic is tried again soon.
 */
const AVOID_SLOW_PARTITION_FACTOR = 4;

/** How records are told apart: by the partition they are bound for, and the leader of that partition. */
export interface Lanes<R> {
  /** The partition `record` is bound for; undefined while not known. */
  partitionOf(record: R): number | undefined;
  /** The group of a partition (its leader): the records of one group ride in one batch. */
  groupOf(partition: number): number;
  /** Moves a record not sent yet off the partitions in `avoid` if it may go anywhere (keyless); its partition after. */
  reroute(record: R, avoid: ReadonlySet<number>): number | undefined;
}

export interface BatchingOptions<R> {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /**
   * A record not acknowledged within this long is rejected with `timeoutError()`: taken out of
   * the queue if it was not sent yet (so it is never written), or given up on if it is in flight.
   */
  readonly timeoutMs?: number;
  readonly timeoutError?: () => Error;
  /** Without lanes, one batch is in flight at a time. */
  readonly lanes?: Lanes<R>;
  /** A partition whose batch has been in flight this long is slow: movable records queued for it move. */
  readonly slowAfterMs?: number;
  /**
   * With lanes, a group has one batch in flight at a time, not one per partition: for a client
   * that sends one request at a time to a broker, a second batch would only wait behind the
   * first, and the records that arrive meanwhile ride in one request instead of several.
   */
  readonly oneBatchPerGroup?: boolean;
}

/**
 * Coalesces concurrent sends into few batches without adding latency: a record goes out at once
 * when its partition has nothing in flight; records that arrive meanwhile ride together in the
 * next batch. So batches grow with load, and each caller is settled with its own record's result.
 * A partition has one batch in flight at a time: that keeps order, and is what kafkajs'
 * idempotent producer allows. With lanes, a batch holds the records of one leader only, so a
 * leader that does not answer holds only the records bound for it, and keyless records queued
 * for it move to another partition. Timeouts are checked by one timer for all records.
 */
export class BatchingSender<R, A> {
  #queue: Array<Pending<R, A>> = [];
  readonly #inFlight = new Set<Batch<R, A>>();
  /** The batch in flight holding each partition. */
  readonly #busy = new Map<number, Batch<R, A>>();
  /** The groups with a batch in flight (with oneBatchPerGroup). */
  readonly #busyGroups = new Set<number>();
  /** A batch of records whose partitions are not known is in flight: nothing goes beside it. */
  #exclusive = false;
  #inFlightRecords = 0;
  /** Partitions whose last batch failed or was slow: movable records keep off them until then. */
  readonly #avoidUntil = new Map<number, number>();
  #idle: Array<() => void> = [];
  #sweep: NodeJS.Timeout | undefined;
  readonly #timeoutMs: number;
  readonly #slowAfterMs: number;
  readonly #sweepMs: number;

  constructor(
    /** Sends a batch; resolves with each record's ack, or an Error for a record that alone failed. */
    private readonly sendBatch: (records: readonly R[]) => Promise<ReadonlyArray<A | Error>>,
    private readonly options: BatchingOptions<R>,
    private readonly onBatch: (size: number) => void = () => {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
    this.#slowAfterMs = options.slowAfterMs ?? Number.POSITIVE_INFINITY;
    // A timeout answers at most a tenth late; a slow partition is noticed within half its bound.
    this.#sweepMs = Math.max(5, Math.min(1000, this.#timeoutMs / 10, this.#slowAfterMs / 2));
  }

  /** Queues `record`; resolves with its ack once written, or times out after `timeoutMs` (default: the sender's). */
  send(record: R, bytes: number, timeoutMs = this.#timeoutMs): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      const pending = this.#enqueue(record, bytes, timeoutMs, { resolve, reject }, 0);
      if (this.#mayStart(pending)) this.#pump();
      this.#armSweepIfTimed();
    });
  }

  /**
   * Queues `records` in order (their sizes in `bytes`, their times in `timeoutsMs`); resolves,
   * once every one is settled, with each one's ack or Error in the same order. One promise for
   * many records: a streamed batch's lines are handed over a chunk at a time.
   */
  sendAll(
    records: readonly R[],
    bytes: readonly number[],
    timeoutsMs: readonly number[],
  ): Promise<Array<A | Error>> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const to = new GroupSettler<A>(records.length, resolve);
      for (let i = 0; i < records.length; i++)
        this.#enqueue(records[i] as R, bytes[i] ?? 0, timeoutsMs[i] ?? this.#timeoutMs, to, i);
      this.#pump();
      this.#armSweepIfTimed();
    });
  }

  #enqueue(
    record: R,
    bytes: number,
    timeoutMs: number,
    to: Settler<A>,
    index: number,
  ): Pending<R, A> {
    const pending: Pending<R, A> = {
      record,
      bytes,
      deadline: performance.now() + timeoutMs,
      partition: this.options.lanes?.partitionOf(record),
      settled: false,
      to,
      index,
    };
    this.#queue.push(pending);
    return pending;
  }

  #armSweepIfTimed(): void {
    const timed = Number.isFinite(this.#timeoutMs) || Number.isFinite(this.#slowAfterMs);
    if (this.#sweep === undefined && timed) this.#armSweep();
  }

  /** Records queued or in flight. */
  get pending(): number {
    return this.#queue.length + this.#inFlightRecords;
  }

  /** Resolves when every queued record has been sent and settled. */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Whether a record just queued may start a batch. Every record queued before it was looked at
   * when it came or when a batch settled, so when its own partition (or leader) is busy a pump
   * would scan the whole queue for nothing: with a streamed batch of 2,000 lines in flight that
   * scan, once a record, was a fifth of the producer's CPU.
   */
  #mayStart(pending: Pending<R, A>): boolean {
    const { lanes } = this.options;
    const { partition } = pending;
    if (this.#exclusive) return false;
    if (lanes === undefined || partition === undefined) return true;
    if (this.#busy.has(partition)) return false;
    return !(this.options.oneBatchPerGroup && this.#busyGroups.has(lanes.groupOf(partition)));
  }

  #pump(): void {
    while (!this.#exclusive && this.#queue.length > 0) {
      const batch = this.#takeBatch();
      if (batch === undefined) return;
      this.#launch(batch);
    }
  }

  #launch(batch: Batch<R, A>): void {
    const { records } = batch;
    this.#inFlight.add(batch);
    this.#inFlightRecords += records.length;
    if (batch.partitions === undefined) this.#exclusive = true;
    else for (const partition of batch.partitions) this.#busy.set(partition, batch);
    if (batch.group !== undefined && this.options.oneBatchPerGroup)
      this.#busyGroups.add(batch.group);
    this.onBatch(records.length);
    let failed = false;
    this.sendBatch(records.map((p) => p.record))
      .then(
        (acks) => {
          for (let i = 0; i < records.length; i++) {
            const p = records[i] as Pending<R, A>;
            if (p.settled) continue;
            p.settled = true;
            const ack = acks[i];
            if (ack === undefined) p.to.reject(new Error('no ack for record'), p.index);
            else if (ack instanceof Error) p.to.reject(ack, p.index);
            else p.to.resolve(ack, p.index);
          }
        },
        (error: unknown) => {
          failed = true;
          for (const p of records) {
            if (p.settled) continue;
            p.settled = true;
            p.to.reject(error, p.index);
          }
        },
      )
      .finally(() => {
        this.#inFlight.delete(batch);
        this.#inFlightRecords -= records.length;
        if (batch.group !== undefined) this.#busyGroups.delete(batch.group);
        if (batch.partitions === undefined) this.#exclusive = false;
        else {
          for (const partition of batch.partitions) this.#busy.delete(partition);
          this.#noteLeaderHealth(batch, failed);
        }
        this.#pump();
        if (this.pending === 0) this.#wakeIdle();
      });
  }

  /**
   * A partition whose batch failed or was slow is kept clear of movable records for a while
   * (they would wait on the same leader), and is clear again once a batch there went fast.
   */
  #noteLeaderHealth(batch: Batch<R, A>, failed: boolean): void {
    if (!Number.isFinite(this.#slowAfterMs) || batch.partitions === undefined) return;
    const now = performance.now();
    if (failed || now - batch.startedAt >= this.#slowAfterMs) {
      for (const partition of batch.partitions)
        this.#avoidUntil.set(partition, now + AVOID_SLOW_PARTITION_FACTOR * this.#slowAfterMs);
    } else if (this.#avoidUntil.size > 0)
      for (const partition of batch.partitions) this.#avoidUntil.delete(partition);
  }

  #wakeIdle(): void {
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #armSweep(): void {
    this.#sweep = setTimeout(() => {
      this.#sweep = undefined;
      const now = performance.now();
      for (const batch of this.#inFlight)
        for (const p of batch.records) if (!p.settled && p.deadline <= now) this.#timeOut(p);
      // A record may have a shorter time than those queued before it: the whole queue is looked at.
      const expired = this.#queue.filter((p) => p.deadline <= now);
      if (expired.length > 0) {
        this.#queue = this.#queue.filter((p) => p.deadline > now);
        for (const p of expired) this.#timeOut(p);
        if (this.pending === 0) this.#wakeIdle();
      }
      // A batch may have turned slow since the last send: its movable records move now.
      this.#pump();
      const unsettled = [...this.#inFlight].some((b) => b.records.some((p) => !p.settled));
      if (this.#queue.length > 0 || unsettled) this.#armSweep();
    }, this.#sweepMs);
    this.#sweep.unref();
  }

  #timeOut(p: Pending<R, A>): void {
    p.settled = true;
    p.to.reject(
      this.options.timeoutError?.() ?? new Error(`not acknowledged within ${this.#timeoutMs} ms`),
      p.index,
    );
  }

  /** The next batch that may go now, taken out of the queue; undefined when none may. */
  #takeBatch(): Batch<R, A> | undefined {
    const { lanes } = this.options;
    const head = this.#queue[0];
    if (lanes === undefined || head?.partition === undefined) {
      if (this.#inFlight.size > 0) return undefined;
      return { records: this.#takeHead(), partitions: undefined, startedAt: performance.now() };
    }
    this.#moveOffSlowPartitions(lanes);
    let group: number | undefined;
    let bytes = 0;
    const taken: Array<Pending<R, A>> = [];
    const partitions = new Set<number>();
    for (const pending of this.#queue) {
      const { partition } = pending;
      // Records routed before the partitions were known go first, alone (a key's order).
      if (partition === undefined) break;
      if (this.#busy.has(partition)) continue;
      const itsGroup = lanes.groupOf(partition);
      if (this.#busyGroups.has(itsGroup)) continue;
      group ??= itsGroup;
      if (itsGroup !== group) continue;
      // The first record always goes, even alone above the byte bound; a full batch stops the
      // scan, so no later record of a partition goes before an earlier one.
      if (
        taken.length > 0 &&
        (taken.length >= this.options.maxRecords || bytes + pending.bytes > this.options.maxBytes)
      )
        break;
      bytes += pending.bytes;
      taken.push(pending);
      partitions.add(partition);
    }
    if (taken.length === 0) return undefined;
    if (taken.length === this.#queue.length) this.#queue = [];
    else {
      const chosen = new Set(taken);
      this.#queue = this.#queue.filter((p) => !chosen.has(p));
    }
    return { records: taken, partitions, group, startedAt: performance.now() };
  }

  /** Records from the head of the queue, within the batch bounds. */
  #takeHead(): Array<Pending<R, A>> {
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

  /** Moves queued movable records off partitions whose batch in flight is slow, or whose last one failed or was. */
  #moveOffSlowPartitions(lanes: Lanes<R>): void {
    if (!Number.isFinite(this.#slowAfterMs)) return;
    const now = performance.now();
    const since = now - this.#slowAfterMs;
    let slow: Set<number> | undefined;
    for (const [partition, until] of this.#avoidUntil) {
      if (until <= now) {
        this.#avoidUntil.delete(partition);
        continue;
      }
      slow ??= new Set();
      slow.add(partition);
    }
    for (const batch of this.#inFlight) {
      if (batch.startedAt >= since || batch.partitions === undefined) continue;
      slow ??= new Set();
      for (const partition of batch.partitions) slow.add(partition);
    }
    if (slow === undefined) return;
    for (const pending of this.#queue)
      if (pending.partition !== undefined && slow.has(pending.partition))
        pending.partition = lanes.reroute(pending.record, slow);
  }
}
