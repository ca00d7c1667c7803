import { STALLED_CODE } from '../connection/stall-detecting-socket.js';
import { anySilentLeader, isSilentLeader } from './metadata-from-answering-brokers.js';
import { isFixedKafkajsVersion, kafkajsRequire } from './kafkajs-version.js';

/** The parts of a decoded Metadata response read here. */
export interface LeadersMetadata {
  readonly brokers: ReadonlyArray<{ readonly nodeId: number; host: string; port: number }>;
  readonly topicMetadata: ReadonlyArray<{
    readonly topic: string;
    readonly partitionMetadata: ReadonlyArray<{ partitionId: number; leader: number }>;
  }>;
}

/** The parts of a kafkajs broker connection used here. */
interface Connection {
  readonly socket?: { destroy(error?: Error): void } | null;
}

/** The parts of kafkajs' BrokerPool used here. */
export interface LeaderPool {
  readonly brokers: Readonly<
    Record<string, { readonly connectionPool: { readonly pool?: readonly Connection[] } }>
  >;
  readonly metadata: LeadersMetadata | null;
  readonly metadataExpireAt?: number | null;
  readonly metadataMaxAge: number;
}

type Topics = readonly string[] | undefined;

/** Marks the prototype once patched, so a second call does not wrap the wrappers. */
const patched = Symbol('followMovedLeaders');

/**
 * How old metadata may be while a broker is silent (see metadata-from-answering-brokers.ts)
 * before the next send asks for it again: the new leaders are found within this of the election.
 */
export const SILENT_METADATA_MAX_AGE_MS = 500;

/** The node ids that led a partition in `before` whose leader in `after` is another broker. */
export function leadersMovedAway(before: LeadersMetadata, after: LeadersMetadata): Set<number> {
  const moved = new Set<number>();
  const now = new Map(after.topicMetadata.map((t) => [t.topic, t.partitionMetadata]));
  for (const topic of before.topicMetadata) {
    const partitions = now.get(topic.topic);
    if (partitions === undefined) continue;
    const leaders = new Map(partitions.map((p) => [p.partitionId, p.leader]));
    for (const { partitionId, leader } of topic.partitionMetadata) {
      const next = leaders.get(partitionId);
      if (leader >= 0 && next !== undefined && next >= 0 && next !== leader) moved.add(leader);
    }
  }
  return moved;
}

/**
 * Closes the connections of each silent broker (one whose produce request timed out) that the
 * fresh metadata no longer names leader of a partition it led, so that what waits on it (a
 * produce request, or a connection's handshake) fails now as a connection error and kafkajs'
 * retry goes to the new leader. Returns the node ids closed.
 */
export function dropMovedSilentLeaders(pool: LeaderPool, before: LeadersMetadata): number[] {
  const after = pool.metadata;
  if (after === null) return [];
  const dropped: number[] = [];
  for (const nodeId of leadersMovedAway(before, after)) {
    const address = before.brokers.find((b) => b.nodeId === nodeId);
    if (address === undefined || !isSilentLeader(`${address.host}:${address.port}`)) continue;
    const error = Object.assign(
      new Error(
        `no answer from ${address.host}:${address.port}, and the cluster has moved its partitions`,
      ),
      { code: STALLED_CODE },
    );
    for (const connection of pool.brokers[nodeId]?.connectionPool.pool ?? [])
      connection.socket?.destroy(error);
    dropped.push(nodeId);
  }
  return dropped;
}

/**
 * A leader that stops answering (frozen, or cut off from its peers) is fenced by the cluster
 * after its session timeout, and its partitions get new leaders. kafkajs learned that only when
 * its attempt to the old leader ran out its request timeout, up to 2.5 s after the election (and
 * its metadata is up to one metadata age old): a freeze of the active controller took the slowest
 * POST to 9.3 s of its 10 s produce timeout. This patch, while any broker is silent:
 * - takes the metadata again at each send once it is {@link SILENT_METADATA_MAX_AGE_MS} old
 *   (from a broker that answers: see metadata-from-answering-brokers.ts);
 * - closes the connections of a silent broker once the metadata names another leader for a
 *   partition it led ({@link dropMovedSilentLeaders}): the request waiting on it is retried at once.
 * Retrying is safe: the producer is idempotent. kafkajs has no option for either, so BrokerPool
 * is patched in place, only for the version read here. Returns whether it patched.
 */
export function followMovedLeaders(): boolean {
  if (!isFixedKafkajsVersion()) return false;
  const BrokerPoolClass = kafkajsRequire('kafkajs/src/cluster/brokerPool.js') as {
    prototype: LeaderPool & {
      [patched]?: true;
      refreshMetadata(topics: Topics): Promise<void>;
      refreshMetadataIfNecessary(topics: Topics): Promise<void>;
    };
  };
  const { prototype } = BrokerPoolClass;
  if (prototype[patched]) return true;
  prototype[patched] = true;
  const { refreshMetadata, refreshMetadataIfNecessary } = prototype;

  prototype.refreshMetadata = async function refreshAndDropMovedSilentLeaders(
    this: LeaderPool,
    topics: Topics,
  ): Promise<void> {
    const before = this.metadata;
    await refreshMetadata.call(this, topics);
    if (before !== null && anySilentLeader()) dropMovedSilentLeaders(this, before);
  };

  prototype.refreshMetadataIfNecessary = function refreshSoonerWhileSilent(
    this: LeaderPool & { refreshMetadata(topics: Topics): Promise<void> },
    topics: Topics,
  ): Promise<void> {
    const expireAt = this.metadataExpireAt;
    if (
      expireAt != null &&
      anySilentLeader() &&
      Date.now() - (expireAt - this.metadataMaxAge) > SILENT_METADATA_MAX_AGE_MS
    )
      return this.refreshMetadata(topics);
    return refreshMetadataIfNecessary.call(this, topics);
  };
  return true;
}
