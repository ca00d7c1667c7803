/** Streams held per client (clientKeyOf), so one client cannot take every MAX_CLIENTS slot. */
export class StreamQuota {
  readonly #held = new Map<string, number>();

  /** `max` streams per client; zero: no limit. */
  constructor(readonly max: number) {}

  /** Counts one more stream for `client`; false (and nothing counted) when it holds `max` already. */
  take(client: string): boolean {
    const held = this.#held.get(client) ?? 0;
    if (this.max > 0 && held >= this.max) return false;
    this.#held.set(client, held + 1);
    return true;
  }

  /** One stream of `client` ended. */
  release(client: string): void {
    const held = (this.#held.get(client) ?? 0) - 1;
    if (held > 0) this.#held.set(client, held);
    else this.#held.delete(client);
  }
}
