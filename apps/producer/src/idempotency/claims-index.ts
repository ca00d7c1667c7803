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

/** A key claimed and not known to be written: the claim that holds it, and the lapsed claim it took the key from. */
class HeldEntry {
  constructor(
    readonly claim: Claim,
    readonly offset: bigint,
    readonly replaced: Claim | undefined,
  ) {}
}

/**
 * A key whose outcome was read: only what a retry's answer needs. The index holds every key of
 * the window, so a key costs one small object here (the claim and the outcome's record are not kept).
 */
class WrittenEntry {
  constructor(
    readonly fingerprint: string,
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly timestampMs: number,
  ) {}
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
  readonly #entries = new Map<string, HeldEntry | WrittenEntry>();
  /** The data topic's name, one string for every outcome (records read back each bring their own copy). */
  #topic = '';

  /** Applies the record at `offset` of the claims log. */
  apply(record: ClaimsRecord, offset: bigint): void {
    const entry = this.#entries.get(record.key);
    // The first outcome stands, and a key with one takes no claim.
    if (entry instanceof WrittenEntry) return;
    if (record.kind === 'written') {
      if (record.topic !== this.#topic) this.#topic = record.topic;
      this.#entries.set(
        record.key,
        new WrittenEntry(
          record.fingerprint,
          this.#topic,
          record.partition,
          record.offset,
          record.timestampMs,
        ),
      );
    } else if (entry === undefined)
      this.#entries.set(record.key, new HeldEntry(record, offset, undefined));
    else if (entry.claim.at + entry.claim.leaseMs <= record.at)
      this.#entries.set(record.key, new HeldEntry(record, offset, entry.claim));
  }

  /** The state of `key` at `now`. */
  state(key: string, now: number): KeyState {
    const entry = this.#entries.get(key);
    if (entry === undefined) return { kind: 'free' };
    if (entry instanceof WrittenEntry) {
      const { fingerprint, topic, partition, offset, timestampMs } = entry;
      return {
        kind: 'written',
        written: { kind: 'written', key, fingerprint, topic, partition, offset, timestampMs },
      };
    }
    const lapsed = entry.claim.at + entry.claim.leaseMs <= now;
    return { kind: lapsed ? 'lapsed' : 'claimed', claim: entry.claim, offset: entry.offset };
  }

  /** Whether the claim at `offset` is the one that holds `key` (undefined: it is not). */
  holding(key: string, offset: bigint): Holding | undefined {
    const entry = this.#entries.get(key);
    if (!(entry instanceof HeldEntry) || entry.offset !== offset) return undefined;
    return entry.replaced ? { replaced: entry.replaced } : {};
  }

  /**
   * Forgets the keys claimed (or, once written, whose record was stamped) before `before` (ms):
   * the window has passed for them. Keys are kept in the order the log gave them, about the
   * order of time, so this stops at the first key still in the window.
   */
  prune(before: number): void {
    for (const [key, entry] of this.#entries) {
      const at = entry instanceof WrittenEntry ? entry.timestampMs : entry.claim.at;
      if (at >= before) return;
      this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
