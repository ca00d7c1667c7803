import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  keepNewerLeaders,
  OLDER_EPOCH_REFUSED_MS,
  refuseOlderLeaderEpochs,
  type MetadataWithEpochs,
} from '../src/fixes/metadata-leader-epochs.js';

const require = createRequire(import.meta.url);
const BrokerPool = require('kafkajs/src/cluster/brokerPool.js') as { prototype: object };
const metadataRequests = require('kafkajs/src/protocol/requests/metadata/index.js') as {
  versions: string[];
};

/** Metadata of topic `t`: partition id -> [leader, epoch]. */
const metadata = (
  partitions: Record<number, [number, number | undefined]>,
): MetadataWithEpochs => ({
  topicMetadata: [
    {
      topic: 't',
      partitionMetadata: Object.entries(partitions).map(([id, [leader, leaderEpoch]]) => ({
        partitionId: Number(id),
        leader,
        ...(leaderEpoch === undefined ? {} : { leaderEpoch }),
      })),
    },
  ],
});
const leaders = (m: MetadataWithEpochs): number[] =>
  m.topicMetadata[0]?.partitionMetadata.map((p) => p.leader) ?? [];

describe('kafkajs patched to refuse metadata that names an older leader (KIP-320 leader epochs)', () => {
  const patched = refuseOlderLeaderEpochs();

  it('applies to this kafkajs, and offers Metadata version 7', () => {
    expect(patched).toBe(true);
    expect(metadataRequests.versions).toContain('7');
  });

  it("keeps a partition's newer leader against an answer with an older epoch, and takes the rest of that answer", () => {
    const now = 1_000_000;
    const seen = keepNewerLeaders(null, metadata({ 0: [2, 5], 1: [3, 7] }), now);
    // A cut broker (1) still names itself leader of partition 0 at epoch 4; partition 1 moved on.
    const stale = metadata({ 0: [1, 4], 1: [1, 8] });
    expect(leaders(keepNewerLeaders(seen, stale, now + 1000))).toEqual([2, 1]);
    // A newer epoch, or the same, is taken.
    expect(leaders(keepNewerLeaders(seen, metadata({ 0: [1, 6], 1: [3, 7] }), now))).toEqual([
      1, 3,
    ]);
  });

  it('takes the older epoch once the newer one is older than the bound (a topic made again starts over)', () => {
    const now = 1_000_000;
    const seen = keepNewerLeaders(null, metadata({ 0: [2, 5] }), now);
    const remade = metadata({ 0: [1, 0] });
    expect(leaders(keepNewerLeaders(seen, remade, now + OLDER_EPOCH_REFUSED_MS + 1))).toEqual([1]);
  });

  it('changes nothing for answers without epochs (a broker before Metadata version 7)', () => {
    const seen = keepNewerLeaders(null, metadata({ 0: [2, undefined] }));
    const next = metadata({ 0: [1, undefined] });
    expect(keepNewerLeaders(seen, next)).toBe(next);
  });

  it("goes through BrokerPool's metadata as kafkajs sets it on each refresh", () => {
    const pool = Object.create(BrokerPool.prototype) as { metadata: MetadataWithEpochs | null };
    pool.metadata = null;
    pool.metadata = metadata({ 0: [2, 5] });
    pool.metadata = metadata({ 0: [1, 4] });
    expect(leaders(pool.metadata)).toEqual([2]);
    pool.metadata = null;
    expect(pool.metadata).toBeNull();
  });
});
