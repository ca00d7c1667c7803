import type { HistoryChunk, PartitionExtent, TopicHistory } from './topic-history.js';

/**
 * A TopicHistory that runs at most `concurrency` reads at once, the others waiting in turn: what
 * many catch-ups hold at one time (fetched, decoded and encoded records) stays a few reads' worth,
 * and the live fan-out keeps the CPU it needs.
 */
export class LimitedHistory implements TopicHistory {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    private readonly history: TopicHistory,
    private readonly concurrency: number,
  ) {}

  extent(): Promise<ReadonlyMap<number, PartitionExtent>> {
    return this.history.extent();
  }

  offsetsAt(since: number): Promise<ReadonlyMap<number, bigint>> {
    return this.history.offsetsAt(since);
  }

  async read(from: ReadonlyMap<number, bigint>, maxBytes: number): Promise<HistoryChunk> {
    if (this.#running >= this.concurrency)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await this.history.read(from, maxBytes);
    } finally {
      // The turn passes straight to the next reader, so #running stays counted for it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
