/**
 * Runs a pass whose cost grows with the number of clients (a fan-out) as soon as asked, unless
 * the last one ended less than `idleRatio` times its own duration ago: then once, when that
 * idle time is over, for everything asked meanwhile. With few clients a pass takes microseconds
 * and nothing waits; with many, records that arrive while the writes of the last batch are still
 * being paid for go out together, one write per client instead of one per record, and the loop
 * keeps time for connects, Kafka and GC.
 */
export class PacedPass {
  #timer: NodeJS.Timeout | undefined;
  #nextAt = 0;

  constructor(
    private readonly pass: () => void,
    private readonly idleRatio: number,
  ) {}

  /** Runs the pass now, or schedules it once for the end of the idle time. */
  request(): void {
    if (this.#timer) return;
    const wait = this.#nextAt - performance.now();
    if (wait <= 0) {
      this.#run();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, wait);
    this.#timer.unref();
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #run(): void {
    const started = performance.now();
    this.pass();
    const ended = performance.now();
    this.#nextAt = ended + (ended - started) * this.idleRatio;
  }
}
