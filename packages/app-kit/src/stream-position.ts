/**
 * The SSE event id: where a client is in the topic, as `partition:offset` pairs separated by
 * commas, the event's own partition first (`0:41` or `0:41,1:17`). Each offset is the last one
 * the client has received in that partition, so a resume is exact across partitions, process
 * restarts and replicas. The producer's JSON ack carries the same form for the record written.
 */
export type StreamPosition = ReadonlyMap<number, bigint>;

const MAX_ID_LENGTH = 4096;
const PAIR_SOURCE = '(\\d{1,6}):(\\d{1,19})';
const PAIR = new RegExp(`^${PAIR_SOURCE}$`);

/** A well-formed id as a JSON Schema pattern (the API documents use it; `parseStreamPosition` reads the same pairs). */
export const STREAM_POSITION_PATTERN = `^${PAIR_SOURCE}(,${PAIR_SOURCE})*$`;
/** The longest id `parseStreamPosition` reads. */
export const STREAM_POSITION_MAX_LENGTH = MAX_ID_LENGTH;

/**
 * Formats a position; `first` (the event's own partition) leads. A partition at -1 (nothing
 * received yet) is left out, as a partition an id does not name was never received.
 */
export function formatStreamPosition(position: StreamPosition, first?: number): string {
  // Run for every event a catch-up sends: no arrays unless the map is out of order (a profile
  // of a catch-up had the arrays and their garbage among its largest costs).
  const leads = first !== undefined && position.has(first);
  let text = leads ? `${first}:${position.get(first)}` : '';
  let previous = Number.NEGATIVE_INFINITY;
  let sorted = true;
  for (const p of position.keys()) {
    if (p < previous) sorted = false;
    previous = p;
  }
  for (const p of sorted ? position.keys() : [...position.keys()].sort((a, b) => a - b)) {
    const offset = position.get(p) ?? -1n;
    if (offset < 0n || (leads && p === first)) continue;
    text = text === '' ? `${p}:${offset}` : `${text},${p}:${offset}`;
  }
  return text;
}

/** Parses an event id; anything malformed counts as no id at all (`undefined`). */
export function parseStreamPosition(text: string | undefined | null): StreamPosition | undefined {
  if (!text || text.length > MAX_ID_LENGTH) return undefined;
  const position = new Map<number, bigint>();
  for (const pair of text.split(',')) {
    const match = PAIR.exec(pair.trim());
    if (!match) return undefined;
    const partition = Number(match[1]);
    if (position.has(partition)) return undefined;
    position.set(partition, BigInt(match[2] ?? '0'));
  }
  return position;
}

/** The id of a single record, as the producer's ack reports it. */
export function recordId(partition: number, offset: string | bigint): string {
  return `${partition}:${offset}`;
}
