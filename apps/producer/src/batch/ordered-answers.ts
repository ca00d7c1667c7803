import type { Response } from 'express';

/** Resolves when `res` can take more, or is gone; its listeners are removed either way. */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** An answer to come (the lines of a chunk): its text once settled. */
interface Slot {
  text: string | undefined;
  readonly lines: number;
  readonly settled: Promise<void>;
}

/**
 * Answers written in the order of their lines, as soon as they and those before them are
 * settled, every settled one in one write; `add` waits while `max` lines are pending, and while
 * the client is not reading. (A profile of a streamed batch had a tenth of the producer's CPU in
 * an array shift per answer and a socket write per line.)
 */
export class OrderedAnswers {
  #slots: Slot[] = [];
  /** Index of the first slot not yet written. */
  #head = 0;
  #writing: Promise<void> = Promise.resolve();
  #running = false;
  #room: (() => void) | undefined;
  /** Lines queued and not yet written. */
  #pendingLines = 0;

  constructor(
    private readonly res: Response,
    private readonly max: number,
  ) {}

  /**
   * Queues the answer to `lines` lines; resolves when there is room for more (false once the
   * client is gone).
   */
  async add(answer: Promise<string>, lines: number): Promise<boolean> {
    const slot: Slot = {
      text: undefined,
      lines,
      settled: answer.then((text) => {
        slot.text = text;
      }),
    };
    this.#slots.push(slot);
    this.#pendingLines += lines;
    if (!this.#running) {
      this.#running = true;
      this.#writing = this.#write();
    }
    while (this.#pendingLines >= this.max && !this.res.destroyed)
      await new Promise<void>((resolve) => {
        this.#room = resolve;
      });
    return !this.res.destroyed;
  }

  /** Resolves once every queued answer is written. */
  async drain(): Promise<void> {
    await this.#writing;
  }

  async #write(): Promise<void> {
    while (this.#head < this.#slots.length) {
      await this.#slots[this.#head]?.settled;
      let out = '';
      for (
        let slot = this.#slots[this.#head];
        slot?.text !== undefined;
        slot = this.#slots[this.#head]
      ) {
        out += slot.text;
        this.#pendingLines -= slot.lines;
        this.#head += 1;
      }
      // Written slots are dropped now and then, not one by one.
      if (this.#head >= 64) {
        this.#slots = this.#slots.slice(this.#head);
        this.#head = 0;
      }
      this.#room?.();
      this.#room = undefined;
      if (this.res.destroyed) continue;
      if (!this.res.write(out)) await drainedOrClosed(this.res);
    }
    // In the same turn as the check above: an answer added later starts a new writer.
    this.#running = false;
  }
}
