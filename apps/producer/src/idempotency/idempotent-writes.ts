import { randomUUID } from 'node:crypto';
import type { Logger } from '@demo-kafka/app-kit';
import {
  SinkError,
  type OutgoingRecord,
  type RecordAck,
  type RecordSink,
} from '../kafka/record-sink.js';
import type { Claim, KeyState, Written } from './claims-index.js';
import { fingerprintOf } from './fingerprint.js';
import { IDEMPOTENCY_RECORD_HEADER } from './idempotency-key.js';

/** What the idempotent writes need of the claims log (kafka-claims-log.ts). */
export interface ClaimsLog {
  readonly leaseMs: number;
  /** How long after its claim a write may start. */
  readonly writeStartMs: number;
  /** How long keys are remembered. */
  readonly windowMs: number;
  state(key: string): Promise<KeyState>;
  claim(claim: Claim): Promise<boolean>;
  written(written: Written): Promise<void>;
  findWritten(claim: Claim): Promise<Written | undefined>;
}

/** A write under an idempotency key: where the record is, and whether an earlier request wrote it. */
export interface IdempotentOutcome {
  readonly ack: RecordAck;
  readonly replayed: boolean;
}

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

  constructor(
    private readonly sink: RecordSink,
    private readonly log: ClaimsLog,
    private readonly logger: Logger,
  ) {}

  /** How long keys are remembered, in minutes. */
  get windowMinutes(): number {
    return this.log.windowMs / 60_000;
  }

  /** Writes `record` under `key`, or answers the earlier write of the same request. */
  async write(record: OutgoingRecord, key: string): Promise<IdempotentOutcome> {
    const fingerprint = fingerprintOf(record);
    // Twice at most: a claim that lost to another one reads the state that claim made.
    for (let attempt = 0; attempt < 2; attempt++) {
      const state = await this.log.state(key);
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
        // Its claimant is no longer writing: the data topic says whether the record is there.
        const found = await this.log.findWritten(state.claim);
        if (found) {
          this.#record(found);
          return { ack: ackOf(found), replayed: true };
        }
      }
      const claim: Claim = {
        kind: 'claim',
        key,
        fingerprint,
        owner: this.#owner,
        at: Date.now(),
        leaseMs: this.log.leaseMs,
      };
      if (!(await this.log.claim(claim))) continue;
      // Reading the claim back took so long that the write could outlast the lease: once it ran
      // out, another request could find no record and write it again. Nothing was written.
      if (Date.now() > claim.at + this.log.writeStartMs)
        throw new SinkError(
          'timeout',
          'the Idempotency-Key was claimed too slowly to write safely',
        );
      const ack = await this.sink.write({
        ...record,
        headers: { ...record.headers, [IDEMPOTENCY_RECORD_HEADER]: key },
      });
      this.#record({ kind: 'written', key, fingerprint, ...ack, timestampMs: ack.timestampMs });
      return { ack, replayed: false };
    }
    throw new IdempotencyConflict(1);
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

function ackOf(written: Written): RecordAck {
  return {
    topic: written.topic,
    partition: written.partition,
    offset: written.offset,
    timestampMs: written.timestampMs,
  };
}
