import { isFixedKafkajsVersion, kafkajsRequire } from './kafkajs-version.js';

/** A partition of a Metadata response as kafkajs decodes it; `leaderEpoch` from version 7 on. */
export interface PartitionMetadataWithEpoch {
  readonly partitionId: number;
  readonly leader: number;
  readonly leaderEpoch?: number;
}

/** The parts of a decoded Metadata response this fix reads. */
export interface MetadataWithEpochs {
  readonly topicMetadata: ReadonlyArray<{
    readonly topic: string;
    readonly partitionMetadata: readonly PartitionMetadataWithEpoch[];
  }>;
}

/**
 * How long a partition's newer leader is kept against responses that name an older one: longer
 * than the cluster takes to fence a cut broker, short enough that a topic deleted and made again
 * (its epochs start over, and kafkajs' Metadata has no topic ids) is seen within it.
 */
export const OLDER_EPOCH_REFUSED_MS = 60_000;

/** When each partition's metadata was first taken (the start of the refusal of older epochs). */
const takenAt = new WeakMap<PartitionMetadataWithEpoch, number>();

/**
 * `next`, with each partition whose leader epoch is older than in `previous` (a broker that still
 * thinks it leads: cut from the cluster, it was fenced and a new leader elected) replaced by the
 * previous entry, for up to {@link OLDER_EPOCH_REFUSED_MS} after that entry was taken.
 */
export function keepNewerLeaders<M extends MetadataWithEpochs>(
  previous: M | null | undefined,
  next: M,
  now = Date.now(),
): M {
  if (!previous) {
    stamp(next, now);
    return next;
  }
  const before = new Map(previous.topicMetadata.map((t) => [t.topic, t.partitionMetadata]));
  let changed = false;
  const topicMetadata = next.topicMetadata.map((topic) => {
    const old = before.get(topic.topic);
    if (!old) return topic;
    const byId = new Map(old.map((p) => [p.partitionId, p]));
    let kept = false;
    const partitionMetadata = topic.partitionMetadata.map((partition) => {
      const was = byId.get(partition.partitionId);
      const refused =
        was?.leaderEpoch !== undefined &&
        partition.leaderEpoch !== undefined &&
        partition.leaderEpoch < was.leaderEpoch &&
        now - (takenAt.get(was) ?? now) < OLDER_EPOCH_REFUSED_MS;
      if (!refused || was === undefined) return partition;
      kept = true;
      return was;
    });
    if (!kept) return topic;
    changed = true;
    return { ...topic, partitionMetadata };
  });
  const merged = changed ? { ...next, topicMetadata } : next;
  stamp(merged, now);
  return merged;
}

function stamp(metadata: MetadataWithEpochs, now: number): void {
  for (const topic of metadata.topicMetadata)
    for (const partition of topic.partitionMetadata)
      if (!takenAt.has(partition)) takenAt.set(partition, now);
}

/** The parts of kafkajs' Decoder (kafkajs/src/protocol/decoder) the version 7 decoder reads with. */
interface Decoder {
  readInt16(): number;
  readInt32(): number;
  readString(): string | null;
  readBoolean(): boolean;
  readArray<T>(read: (decoder: Decoder) => T): T[];
}

/** A kafkajs request definition: its versions, and the request and response of one. */
interface RequestDefinition {
  versions: string[];
  protocol: (options: { version: string | number }) => (args: Record<string, unknown>) => {
    request: Record<string, unknown>;
    response: unknown;
  };
}

/** Marks the modules once patched. */
const patched = Symbol('metadataLeaderEpochs');

/**
 * kafkajs 2.2.4 speaks Metadata up to version 6, which has no leader epochs, and takes whatever
 * metadata a broker answers. A broker cut off from the cluster keeps answering that it leads
 * partitions the cluster gave to another broker meanwhile, and kafkajs, asked again, may go back
 * to it. Kafka's own clients refuse such answers by the leader epoch (KIP-320). This patch:
 * - adds Metadata version 7 (the same request; each partition's `leader_epoch` in the response),
 *   chosen by kafkajs' version negotiation wherever the broker has it (Kafka 2.1 on);
 * - makes BrokerPool keep, for each partition, the leader with the newest epoch it saw, against
 *   an answer that names an older one (see keepNewerLeaders).
 * Returns whether it patched.
 */
export function refuseOlderLeaderEpochs(): boolean {
  if (!isFixedKafkajsVersion()) return false;
  // kafkajs ships no types for its internals; the modules are typed by the fields used here.
  const definition = kafkajsRequire(
    'kafkajs/src/protocol/requests/metadata/index.js',
  ) as RequestDefinition & { [patched]?: true };
  const BrokerPoolClass = kafkajsRequire('kafkajs/src/cluster/brokerPool.js') as {
    prototype: object & { [patched]?: true };
  };
  if (definition[patched]) return true;
  definition[patched] = true;

  const DecoderClass = kafkajsRequire('kafkajs/src/protocol/decoder.js') as new (
    data: Buffer,
  ) => Decoder;
  const requestV5 = kafkajsRequire('kafkajs/src/protocol/requests/metadata/v5/request.js') as (
    args: Record<string, unknown>,
  ) => Record<string, unknown>;
  const { parse } = kafkajsRequire('kafkajs/src/protocol/requests/metadata/v0/response.js') as {
    parse: (data: unknown) => Promise<unknown>;
  };
  const responseV7 = { decode: decodeV7(DecoderClass), parse };
  const { protocol } = definition;
  if (!definition.versions.includes('7')) definition.versions.push('7');
  definition.protocol = ({ version }) =>
    Number(version) === 7
      ? ({ topics, allowAutoTopicCreation }) => ({
          request: { ...requestV5({ topics, allowAutoTopicCreation }), apiVersion: 7 },
          response: responseV7,
        })
      : protocol({ version });

  // BrokerPool sets `metadata` once per refresh (null when it disconnects): an accessor on its
  // prototype sees each new value against the last.
  const store = Symbol('metadata');
  BrokerPoolClass.prototype[patched] = true;
  Object.defineProperty(BrokerPoolClass.prototype, 'metadata', {
    configurable: true,
    get(this: Record<symbol, MetadataWithEpochs | null>) {
      return this[store] ?? null;
    },
    set(this: Record<symbol, MetadataWithEpochs | null>, next: MetadataWithEpochs | null) {
      this[store] = next === null ? null : keepNewerLeaders(this[store], next);
    },
  });
  return true;
}

/** Metadata Response v7: v6 with `leader_epoch INT32` after each partition's leader. */
function decodeV7(DecoderClass: new (data: Buffer) => Decoder) {
  return async (rawData: Buffer) => {
    const decoder = new DecoderClass(rawData);
    const throttleTime = decoder.readInt32();
    return {
      throttleTime: 0,
      clientSideThrottleTime: throttleTime,
      brokers: decoder.readArray((d) => ({
        nodeId: d.readInt32(),
        host: d.readString(),
        port: d.readInt32(),
        rack: d.readString(),
      })),
      clusterId: decoder.readString(),
      controllerId: decoder.readInt32(),
      topicMetadata: decoder.readArray((d) => ({
        topicErrorCode: d.readInt16(),
        topic: d.readString(),
        isInternal: d.readBoolean(),
        partitionMetadata: d.readArray((p) => ({
          partitionErrorCode: p.readInt16(),
          partitionId: p.readInt32(),
          leader: p.readInt32(),
          leaderEpoch: p.readInt32(),
          replicas: p.readArray((r) => r.readInt32()),
          isr: p.readArray((r) => r.readInt32()),
          offlineReplicas: p.readArray((r) => r.readInt32()),
        })),
      })),
    };
  };
}
