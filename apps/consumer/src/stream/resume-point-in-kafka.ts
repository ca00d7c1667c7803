import { formatStreamPosition, type StreamPosition } from '@demo-kafka/app-kit';
import type { Notice } from './sse-event-text.js';
import type { TopicHistory } from './topic-history.js';

/** The event a resuming client gets when records it missed are no longer anywhere. */
export const GAP_EVENT = 'gap';

/** Where a resume starts in Kafka, and the `gap` event to send first when it cannot be exact. */
export interface KafkaResumePoint {
  /** The last offset taken as received, for every partition of the topic and no other. */
  readonly position: Map<number, bigint>;
  readonly gap: Notice | undefined;
}

/**
 * Turns a client's resume point (its id, else `since`) into a position Kafka can serve: every
 * partition of the topic named (one the id does not name was never received: from its start),
 * partitions the topic does not have dropped, and where the id asks for what Kafka no longer
 * has (retention deleted it) or never had (past a partition's end: the topic was recreated),
 * the oldest records it holds instead, said in a `gap` event whose id is the new position.
 */
export async function resumePointInKafka(
  history: TopicHistory,
  from: { readonly position?: StreamPosition | undefined; readonly since?: number | undefined },
): Promise<KafkaResumePoint> {
  const extent = await history.extent();
  let named = from.position;
  if (named === undefined && from.since !== undefined) {
    const at = await history.offsetsAt(from.since);
    named = new Map([...at].map(([partition, offset]) => [partition, offset - 1n]));
  }
  const position = new Map<number, bigint>();
  const gone: string[] = [];
  const pastEnd: string[] = [];
  for (const [partition, { low, high }] of [...extent].sort(([a], [b]) => a - b)) {
    const received = named?.get(partition);
    if (received === undefined) position.set(partition, low - 1n);
    else if (received >= high) {
      pastEnd.push(
        `partition ${partition} at offset ${low} (the id names ${received}, it ends before ${high})`,
      );
      position.set(partition, low - 1n);
    } else if (received + 1n < low) {
      gone.push(
        `partition ${partition} at offset ${low} (${received + 1n} to ${low - 1n} are gone)`,
      );
      position.set(partition, low - 1n);
    } else position.set(partition, received);
  }
  const reasons = [
    ...(gone.length > 0
      ? [`records no longer in Kafka (retention); continuing in ${gone.join(', ')}`]
      : []),
    ...(pastEnd.length > 0
      ? [`offsets past the end of the topic; continuing in ${pastEnd.join(', ')}`]
      : []),
  ];
  return {
    position,
    gap:
      reasons.length === 0
        ? undefined
        : {
            event: GAP_EVENT,
            id: formatStreamPosition(position),
            text: reasons.join('; '),
          },
  };
}
