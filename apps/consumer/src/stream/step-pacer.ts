import type { EventLoopUtilization } from 'node:perf_hooks';

/** How long the event loop was busy while `since` was taken (ms). */
export type BusyTime = (since: EventLoopUtilization) => number;

/** The loop's active time since `since`: a step's waits on the network are not counted. */
const loopBusyTime: BusyTime = (since) => performance.eventLoopUtilization(since).active;

/**
 * Runs steps one at a time, each followed by idle time `idleRatio` times the event loop's busy
 * time during it before the next begins: work that can wait (catch-ups) takes at most about
 * 1 / (1 + idleRatio) of the process, and the live stream keeps the rest, however many such
 * steps are queued. A ratio given as a function is asked after each step.
 */
export class StepPacer {
  #nextAt = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly idleRatio: number | (() => number),
    private readonly busyTime: BusyTime = loopBusyTime,
  ) {}

  /** Runs `step` when its turn comes; settles as it does. */
  run<T>(step: () => Promise<T> | T): Promise<T> {
    const turn = this.#queue.then(async () => {
      const wait = this.#nextAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const started = performance.eventLoopUtilization();
      try {
        return await step();
      } finally {
        const ratio = typeof this.idleRatio === 'number' ? this.idleRatio : this.idleRatio();
        this.#nextAt = performance.now() + this.busyTime(started) * ratio;
      }
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }
}
