import { HttpProblem } from '@demo-kafka/app-kit';
import { utf8 } from '../headers/request-record-headers.js';
import { KEY_HEADER, KEY_QUERY, MESSAGE_PARAMETERS } from './messages-parameters.js';

/**
 * Node's query parser (express 5's `simple` one) reads this many parameters and silently drops
 * the rest, so a key after them would be lost: more is refused instead.
 */
export const MAX_QUERY_PARAMETERS = 1000;

/** What the key is read from: an express request, or its parts in a test. */
export interface KeySource {
  readonly url: string;
  /** express parses it on first read: only read when the URL has a query. */
  readonly query: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly headersDistinct: Readonly<Record<string, readonly string[] | undefined>>;
}

/**
 * The record key a POST names: `?key=` (decoded by the query parser) or else `Kafka-Key` (its
 * bytes read as UTF-8, as the record header values are); empty counts as none. A key named twice,
 * a header that is not UTF-8, or a query too long to be read whole is a 400: a record written
 * without the key the client meant would land on another partition, unnoticed.
 */
export function recordKeyOf(req: KeySource): string | undefined {
  const fromQuery = queryKeyOf(req);
  // The query wins over the header, even empty (which then names no key).
  if (fromQuery !== undefined) return fromQuery === '' ? undefined : fromQuery;
  // Node builds headersDistinct for every header on first use: only for a request that has a key.
  if (req.headers[KEY_HEADER] === undefined) return undefined;
  const lines = req.headersDistinct[KEY_HEADER];
  if (lines === undefined) return undefined;
  if (lines.length > 1) throw repeated(`the ${MESSAGE_PARAMETERS.keyHeader.name} header`);
  const fromHeader = utf8(MESSAGE_PARAMETERS.keyHeader.name, lines[0] ?? '');
  return fromHeader === '' ? undefined : fromHeader;
}

function queryKeyOf(req: KeySource): string | undefined {
  const mark = req.url.indexOf('?');
  // req.query parses the query string: only when there is one.
  if (mark < 0) return undefined;
  // Counted as the parser counts: every '&'-separated piece, empty ones too.
  let pieces = 1;
  for (let i = req.url.indexOf('&', mark); i >= 0; i = req.url.indexOf('&', i + 1)) pieces += 1;
  if (pieces > MAX_QUERY_PARAMETERS)
    throw new HttpProblem(
      400,
      'Bad Request',
      `the query has ${pieces} parameters: at most ${MAX_QUERY_PARAMETERS} are read, and the ` +
        `key could be among those dropped`,
    );
  const query = req.query;
  const value =
    typeof query === 'object' && query !== null
      ? (query as Record<string, unknown>)[KEY_QUERY]
      : undefined;
  if (value === undefined || typeof value === 'string') return value;
  throw repeated(`?${KEY_QUERY}=`);
}

function repeated(where: string): HttpProblem {
  return new HttpProblem(
    400,
    'Bad Request',
    `the key must be given once: a record has one key, and ${where} names several ` +
      `(e.g. ?${KEY_QUERY}=order-7)`,
  );
}
