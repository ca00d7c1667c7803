import { HttpProblem } from '@demo-kafka/app-kit';

/** Bounds on the headers of one record; above them a POST is refused and nothing is written. */
export interface RecordHeaderLimits {
  /** Most headers on one record (every repeated value counts). */
  readonly maxCount: number;
  /** Most bytes of header names and values together (UTF-8) on one record. */
  readonly maxBytes: number;
  /**
   * The sink writes a `traceparent` of its own (tracing on): counted against the limits even when
   * the request sends none, so the record the sink writes stays within them.
   */
  readonly addsTraceparent?: boolean;
}

/** The defaults of MAX_RECORD_HEADERS and MAX_RECORD_HEADER_BYTES (Node itself accepts 16 KiB of request headers). */
export const DEFAULT_RECORD_HEADER_LIMITS: RecordHeaderLimits = {
  maxCount: 32,
  maxBytes: 8 * 1024,
};

/** A W3C traceparent as a sink writes it (version 00): only its length matters to the limits. */
export const TRACEPARENT_OF_A_SPAN = `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`;

/** Counts a record's headers against the limits as they are added. */
export class Tally {
  #count = 0;
  #bytes = 0;

  constructor(private readonly limits: RecordHeaderLimits) {}

  /** Counts one header; throws a 431 {@link HttpProblem} once a limit is passed. */
  take(name: string, value: string): void {
    this.#count += 1;
    this.#bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (this.#count > this.limits.maxCount) {
      throw new HttpProblem(
        431,
        'Request Header Fields Too Large',
        `a record carries at most ${this.limits.maxCount} headers (MAX_RECORD_HEADERS)`,
      );
    }
    if (this.#bytes > this.limits.maxBytes) {
      throw new HttpProblem(
        431,
        'Request Header Fields Too Large',
        `a record's header names and values hold at most ${this.limits.maxBytes} bytes (MAX_RECORD_HEADER_BYTES)`,
      );
    }
  }
}
