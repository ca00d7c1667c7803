import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { requestTimedOut } from './fixtures/request-timed-out.js';
import { STALLED_CODE } from '../src/connection/stall-detecting-socket.js';
import {
  dropMovedSilentLeaders,
  followMovedLeaders,
  leadersMovedAway,
  SILENT_METADATA_MAX_AGE_MS,
  type LeadersMetadata,
} from '../src/fixes/follow-moved-leaders.js';
import {
  forgetSilentLeaders,
  noteProduceOutcome,
} from '../src/fixes/metadata-from-answering-brokers.js';

const require = createRequire(import.meta.url);
const BrokerPool = require('kafkajs/src/cluster/brokerPool.js') as {
  prototype: {
    refreshMetadata: { name: string };
    refreshMetadataIfNecessary(this: unknown, topics: string[]): Promise<void>;
  };
};

const BROKERS = [1, 2, 3].map((nodeId) => ({ nodeId, host: '127.0.0.1', port: 9000 + nodeId }));

/** Metadata of topic `t` whose partition i is led by `leaders[i]`. */
const metadata = (...leaders: number[]): LeadersMetadata => ({
  brokers: BROKERS,
  topicMetadata: [
    {
      topic: 't',
      partitionMetadata: leaders.map((leader, partitionId) => ({ partitionId, leader })),
    },
  ],
});

/** A broker connection that records the error it was closed with. */
function connection() {
  const state = {
    closedWith: undefined as (Error & { code?: string }) | undefined,
    socket: {
      destroy: (error?: Error): void => {
        state.closedWith = error;
      },
    },
  };
  return state;
}

/** A pool whose metadata is now `after`, with two connections to each broker. */
function pool(after: LeadersMetadata) {
  const connections = { 1: [connection(), connection()], 2: [connection()], 3: [connection()] };
  return {
    connections,
    pool: {
      metadata: after,
      metadataMaxAge: 2_500,
      brokers: Object.fromEntries(
        Object.entries(connections).map(([id, pool]) => [id, { connectionPool: { pool } }]),
      ),
    },
  };
}

describe('kafkajs patched to leave a silent leader once the cluster moved its partitions', () => {
  const patched = followMovedLeaders();
  afterEach(() => forgetSilentLeaders());

  it('applies to the kafkajs installed, once', () => {
    expect(patched).toBe(true);
    expect(followMovedLeaders()).toBe(true);
    expect(BrokerPool.prototype.refreshMetadata.name).toBe('refreshAndDropMovedSilentLeaders');
  });

  it('names the brokers that lost a partition to another leader', () => {
    expect(leadersMovedAway(metadata(1, 2, 1), metadata(3, 2, 1))).toEqual(new Set([1]));
    expect(leadersMovedAway(metadata(1, 2), metadata(1, 2))).toEqual(new Set());
    // No leader yet is no move: the old one may come back.
    expect(leadersMovedAway(metadata(1, 2), metadata(-1, 2))).toEqual(new Set());
  });

  it("closes a silent leader's connections once another broker leads its partition, and only then", () => {
    const moved = pool(metadata(3, 2));
    expect(dropMovedSilentLeaders(moved.pool, metadata(1, 2))).toEqual([]);
    expect(moved.connections[1][0]?.closedWith).toBeUndefined();

    noteProduceOutcome('127.0.0.1:9001', requestTimedOut());
    const unchanged = pool(metadata(1, 2));
    expect(dropMovedSilentLeaders(unchanged.pool, metadata(1, 2))).toEqual([]);
    expect(unchanged.connections[1][0]?.closedWith).toBeUndefined();

    expect(dropMovedSilentLeaders(moved.pool, metadata(1, 2))).toEqual([1]);
    for (const c of moved.connections[1]) expect(c.closedWith?.code).toBe(STALLED_CODE);
    expect(moved.connections[2][0]?.closedWith).toBeUndefined();
  });

  it('takes the metadata again sooner while a broker is silent', async () => {
    let refreshes = 0;
    const taken = (agoMs: number) =>
      Object.assign(Object.create(BrokerPool.prototype) as object, {
        metadata: metadata(1, 2),
        metadataMaxAge: 2_500,
        metadataExpireAt: Date.now() + 2_500 - agoMs,
        refreshMetadata: () => {
          refreshes++;
          return Promise.resolve();
        },
      });
    const stale = taken(SILENT_METADATA_MAX_AGE_MS + 100);
    await BrokerPool.prototype.refreshMetadataIfNecessary.call(stale, ['t']);
    expect(refreshes).toBe(0);
    noteProduceOutcome('127.0.0.1:9001', requestTimedOut());
    await BrokerPool.prototype.refreshMetadataIfNecessary.call(stale, ['t']);
    expect(refreshes).toBe(1);
    await BrokerPool.prototype.refreshMetadataIfNecessary.call(taken(0), ['t']);
    expect(refreshes).toBe(1);
  });
});
