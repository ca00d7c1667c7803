import type { StreamRecord } from './stream-record.js';

/** Which records a client asked for: one key, one header value, or both. */
export interface RecordFilter {
  /** The same for every client with the same filter: they share one encoding of each batch. */
  readonly id: string;
  matches(record: StreamRecord): boolean;
}

/**
 * A header equality test: `?header=<name>:<value>`. Names compare case-insensitively (HTTP's habit;
 * the producer stores them in lower case).
 */
export interface HeaderMatch {
  readonly name: string;
  readonly value: string;
}

/** The filter of `?key=` and `?header=`; undefined when the client wants every record. */
export function recordFilter(
  key: string | undefined,
  header: HeaderMatch | undefined,
): RecordFilter | undefined {
  if (key === undefined && header === undefined) return undefined;
  const name = header?.name.toLowerCase();
  const value = header?.value;
  const hasHeader = (record: StreamRecord): boolean => {
    const headers = record.headers;
    if (headers === undefined || name === undefined || value === undefined) return false;
    const exact = headers[name];
    if (exact !== undefined) return exact.includes(value);
    // Other clients (Java's, for one) may write names in any case.
    for (const other in headers)
      if (other.toLowerCase() === name && headers[other]?.includes(value)) return true;
    return false;
  };
  return {
    // NUL cannot occur in a query value that reached us as text, so the parts cannot run together.
    id: `${key ?? ''}\u0000${name ?? ''}\u0000${value ?? ''}\u0000${key === undefined ? 0 : 1}${header === undefined ? 0 : 1}`,
    matches:
      key !== undefined && header !== undefined
        ? (record) => record.key === key && hasHeader(record)
        : key !== undefined
          ? (record) => record.key === key
          : hasHeader,
  };
}
