/** A replica's claim to write the record of an idempotency key: the first claim in the log wins. */
export interface Claim {
  readonly kind: 'claim';
  readonly key: string;
  readonly fingerprint: string;
  /** The claiming process (a random id per process). */
  readonly owner: string;
  /** When it was claimed (ms since the epoch, the claimant's clock). */
  readonly at: number;
  /** How long the claimant may take to write: after that, another replica may resolve the key. */
  readonly leaseMs: number;
}

/** Where the record of an idempotency key was written. */
export interface Written {
  readonly kind: 'written';
  readonly key: string;
  readonly fingerprint: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestampMs: number;
}

export type ClaimsRecord = Claim | Written;

/** What the log says of a key, as far as it has been read. */
export type KeyState =
  | { readonly kind: 'free' }
  | { readonly kind: 'written'; readonly written: Written }
  | { readonly kind: 'claimed'; readonly claim: Claim; readonly offset: bigint }
  /** Claimed, but the lease ran out with no outcome in the log: the data topic says if it was written. */
  | { readonly kind: 'lapsed'; readonly claim: Claim; readonly offset: bigint };

interface Entry {
  /** The claim that holds the key, and the lapsed claim it took the key from, if any. */
  claim?: { readonly claim: Claim; readonly offset: bigint; readonly replaced?: Claim };
  written?: Written;
}

/** A claim that holds its key, and the lapsed claim it took the key from (whose writer may have written). */
export interface Holding {
  readonly replaced?: Claim;
}

/**
 * The claims log of idempotency keys, applied in log order. Every replica reads the same log,
 * so every replica decides the same: the first claim of a key wins, and a later claim wins only
 * if the earlier one's lease had run out by the time it was made (the claimant did not write, or
 * died); the first outcome written stands. Pure: the Kafka side is kafka-claims-log.ts.
 */
export class ClaimsIndex {
  readonly #entries = new Map<string, Entry>();

  /** Applies the record at `offset` of the claims log. */
  apply(record: ClaimsRecord, offset: bigint): void {
    const entry = this.#entries.get(record.key) ?? {};
    if (record.kind === 'written') {
      entry.written ??= record;
    } else if (entry.written === undefined) {
      const held = entry.claim?.claim;
      if (held === undefined) entry.claim = { claim: record, offset };
      else if (held.at + held.leaseMs <= record.at)
        entry.claim = { claim: record, offset, replaced: held };
    }
    this.#entries.set(record.key, entry);
  }

  /** The state of `key` at `now`. */
  state(key: string, now: number): KeyState {
    const entry = this.#entries.get(key);
    if (entry?.written) return { kind: 'written', written: entry.written };
    const held = entry?.claim;
    if (held === undefined) return { kind: 'free' };
    const lapsed = held.claim.at + held.claim.leaseMs <= now;
    return { kind: lapsed ? 'lapsed' : 'claimed', claim: held.claim, offset: held.offset };
  }

  /** Whether the claim at `offset` is the one that holds `key` (undefined: it is not). */
  holding(key: string, offset: bigint): Holding | undefined {
    const entry = this.#entries.get(key);
    if (entry?.written !== undefined || entry?.claim?.offset !== offset) return undefined;
    return entry.claim.replaced ? { replaced: entry.claim.replaced } : {};
  }

  /**
   * Forgets the keys first seen before `before` (ms): the window has passed for them. Keys are
   * kept in the order the log gave them, about the order of time, so this stops at the first
   * key still in the window.
   */
  prune(before: number): void {
    for (const [key, entry] of this.#entries) {
      const at = entry.claim?.claim.at ?? entry.written?.timestampMs ?? 0;
      if (at >= before) return;
      this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
