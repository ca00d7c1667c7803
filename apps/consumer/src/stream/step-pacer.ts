/**
 * Runs steps one at a time, each followed by idle time `idleRatio` times its own duration before
 * the next begins: work that can wait (catch-ups) takes at most 1 / (1 + idleRatio) of the
 * process, and the live stream keeps the rest, however many such steps are queued.
 */
export class StepPacer {
  #nextAt = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly idleRatio: number) {}

  /** Runs `step` when its turn comes; settles as it does. */
  run<T>(step: () => Promise<T> | T): Promise<T> {
    const turn = this.#queue.then(async () => {
      const wait = this.#nextAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const started = performance.now();
      try {
        return await step();
      } finally {
        const ended = performance.now();
        this.#nextAt = ended + (ended - started) * this.idleRatio;
      }
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }
}
