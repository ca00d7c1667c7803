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
