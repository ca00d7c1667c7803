/** Streamed batches still being read, so a shutdown can end them instead of waiting on their clients. */
export class OpenBatches {
  readonly #ends = new Set<() => void>();
  #closed = false;

  /** Registers a batch's `end` (stop reading, answer what was read); returns its unregistration. */
  add(end: () => void): () => void {
    if (this.#closed) end();
    this.#ends.add(end);
    return () => this.#ends.delete(end);
  }

  /** Ends every open batch, and any opened from now on. */
  endAll(): void {
    this.#closed = true;
    for (const end of this.#ends) end();
    this.#ends.clear();
  }
}
