import { randomUUID } from 'node:crypto';
import type { Logger } from '@demo-kafka/app-kit';
import {
  SinkError,
  type OutgoingRecord,
  type RecordAck,
  type RecordSink,
} from '../kafka/record-sink.js';
import type { Claim, Holding, KeyState, Written } from './claims-index.js';
import { fingerprintOf } from './fingerprint.js';
import { IDEMPOTENCY_RECORD_HEADER } from './idempotency-key.js';

/** What the idempotent writes need of the claims log (kafka-claims-log.ts). */
export interface ClaimsLog {
  readonly leaseMs: number;
  /** How long keys are remembered. */
  readonly windowMs: number;
  state(key: string): Promise<KeyState>;
  /** Appends the claim and reads the log up to it by `deadline` (epoch ms): whether it holds its key. */
  claim(claim: Claim, deadline: number): Promise<Holding | undefined>;
  written(written: Written): Promise<void>;
  findWritten(claim: Claim): Promise<Written | undefined>;
}

/** A write under an idempotency key: where the record is, and whether an earlier request wrote it. */
export interface IdempotentOutcome {
  readonly ack: RecordAck;
  readonly replayed: boolean;
}

/** How long a look-up in the data topic waits before trying a broker again. */
const LOOK_UP_RETRY_MS = 250;

/** The key is being written by another request (here or on another replica): retry after `retryAfterS`. */
export class IdempotencyConflict extends Error {
  override readonly name = 'IdempotencyConflict';
  constructor(readonly retryAfterS: number) {
    super(
      'a request with this Idempotency-Key is being written; retry it (the same request) in a moment',
    );
  }
}

/** The key was used for another request (another body, record key or headers). */
export class IdempotencyMismatch extends Error {
  override readonly name = 'IdempotencyMismatch';
  constructor() {
    super(
      'this Idempotency-Key was used for another request (another body, key or headers): use a new key',
    );
  }
}

/**
 * Writes a record at most once per idempotency key, across replicas and restarts: the key is
 * claimed in the claims log first, and only the replica whose claim holds it writes; a request
 * whose key was written is answered with that write's acknowledgement.
 */
export class IdempotentWrites {
  /** This process, as claims name it. */
  readonly #owner = randomUUID();
  /**
   * What this process wrote, until the claims log it follows has the outcome too (it is written
   * in the background): a retry here is answered at once. In time order, so the expired are first.
   */
  readonly #recent = new Map<string, { readonly written: Written; readonly until: number }>();

  constructor(
    private readonly sink: RecordSink,
    private readonly log: ClaimsLog,
    private readonly logger: Logger,
    /** A request's whole budget, claims and write together (PRODUCE_TIMEOUT_MS). */
    private readonly produceTimeoutMs: number,
  ) {}

  /** How long keys are remembered, in minutes. */
  get windowMinutes(): number {
    return this.log.windowMs / 60_000;
  }

  /** Writes `record` under `key`, or answers the earlier write of the same request. */
  async write(record: OutgoingRecord, key: string): Promise<IdempotentOutcome> {
    const fingerprint = fingerprintOf(record);
    // One budget for the claim and the write: the answer comes within the produce timeout, as
    // without a key, and a write that starts any time within it ends within the claim's lease.
    const deadline = Date.now() + this.produceTimeoutMs;
    const mine = this.#recent.get(key);
    if (mine && mine.until > Date.now()) {
      if (mine.written.fingerprint !== fingerprint) throw new IdempotencyMismatch();
      return { ack: ackOf(mine.written), replayed: true };
    }
    // Twice at most: a claim that lost to another one reads the state that claim made.
    for (let attempt = 0; attempt < 2; attempt++) {
      const state = await withinDeadline(this.log.state(key), deadline);
      if (state.kind === 'written') {
        if (state.written.fingerprint !== fingerprint) throw new IdempotencyMismatch();
        return { ack: ackOf(state.written), replayed: true };
      }
      if (state.kind !== 'free' && state.claim.fingerprint !== fingerprint)
        throw new IdempotencyMismatch();
      if (state.kind === 'claimed')
        throw new IdempotencyConflict(
          Math.max(1, Math.ceil((state.claim.at + state.claim.leaseMs - Date.now()) / 1000)),
        );
      if (state.kind === 'lapsed') {
        const found = await this.#lookUp(state.claim, deadline);
        if (found) return found;
      }
      const claim: Claim = {
        kind: 'claim',
        key,
        fingerprint,
        owner: this.#owner,
        at: Date.now(),
        leaseMs: this.log.leaseMs,
      };
      const holding = await this.log.claim(claim, deadline);
      if (!holding) continue;
      // It took the key from a lapsed claim this request had not seen: was that one written?
      if (
        holding.replaced &&
        holding.replaced.at !== (state.kind === 'lapsed' ? state.claim.at : undefined)
      ) {
        if (holding.replaced.fingerprint !== fingerprint) throw new IdempotencyMismatch();
        const found = await this.#lookUp(holding.replaced, deadline);
        if (found) return found;
      }
      const ack = await this.sink.write({
        ...record,
        headers: { ...record.headers, [IDEMPOTENCY_RECORD_HEADER]: key },
        deadline,
      });
      const written: Written = { kind: 'written', key, fingerprint, ...ack };
      this.#remember(written);
      this.#record(written);
      return { ack, replayed: false };
    }
    throw new IdempotencyConflict(1);
  }

  /** The write of a lapsed claim (its claimant no longer writing) if the data topic has it, recorded. */
  async #lookUp(lapsed: Claim, deadline: number): Promise<IdempotentOutcome | undefined> {
    const found = await withinDeadline(this.#findWritten(lapsed, deadline), deadline);
    if (!found) return undefined;
    this.#record(found);
    return { ack: ackOf(found), replayed: true };
  }

  #remember(written: Written): void {
    const now = Date.now();
    for (const [key, { until }] of this.#recent) {
      if (until > now) break;
      this.#recent.delete(key);
    }
    // Long enough for the outcome to be read back, here or after a failed append, found by a lease.
    this.#recent.set(written.key, { written, until: now + this.log.leaseMs });
  }

  /** The data topic's answer, tried again while a broker it needs cannot be reached and time is left. */
  async #findWritten(lapsed: Claim, deadline: number): Promise<Written | undefined> {
    for (;;) {
      try {
        return await this.log.findWritten(lapsed);
      } catch (error) {
        if (!(error instanceof SinkError) || Date.now() + LOOK_UP_RETRY_MS >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, LOOK_UP_RETRY_MS));
      }
    }
  }

  /** Writes the outcome to the claims log in the background: until it is read, a retry gets 409. */
  #record(written: Written): void {
    this.log.written(written).catch((error: unknown) => {
      // A retry still finds the record, in the data topic, once the claim's lease ran out.
      this.logger.warn(
        { reason: error instanceof Error ? error.message : String(error) },
        'the outcome of an idempotent write was not recorded',
      );
    });
  }
}

/** `promise`, or a timeout (503) once `deadline` (epoch ms) has passed. */
async function withinDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SinkError('timeout', 'the Idempotency-Key could not be checked in time')),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function ackOf(written: Written): RecordAck {
  return {
    topic: written.topic,
    partition: written.partition,
    offset: written.offset,
    timestampMs: written.timestampMs,
  };
}
