import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { requestTimedOut } from './fixtures/request-timed-out.js';
import {
  forgetSilentLeaders,
  isSilentLeader,
  noteProduceOutcome,
  SILENT_LEADER_MS,
  takeMetadataFromAnsweringBrokers,
} from '../src/fixes/metadata-from-answering-brokers.js';

const require = createRequire(import.meta.url);
interface FakeBroker {
  readonly nodeId: string;
  readonly connectionPool: { host: string; port: number };
  isConnected(): boolean;
}
const BrokerPool = require('kafkajs/src/cluster/brokerPool.js') as {
  prototype: { findConnectedBroker(this: unknown): Promise<FakeBroker> };
};
/** kafkajs' Cluster, built for real (no connection is made) with the fake pool put in. */
const Cluster = require('kafkajs/src/cluster/index.js') as new (
  options: object,
) => {
  brokerPool: unknown;
  findControllerBroker(): Promise<FakeBroker>;
};
const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js') as {
  createLogger(options: { level: number; logCreator: () => () => void }): unknown;
  LEVELS: { NOTHING: number };
};
const Broker = require('kafkajs/src/broker/index.js') as {
  prototype: { produce: { name: string } };
};

const broker = (nodeId: string, port: number): FakeBroker => ({
  nodeId,
  connectionPool: { host: '127.0.0.1', port },
  isConnected: () => true,
});

/**
 * A BrokerPool with three connected brokers, and only what findConnectedBroker reads, and the
 * metadata naming `controllerId` the controller.
 */
function pool(controllerId = 1) {
  const brokers = { 1: broker('1', 9001), 2: broker('2', 9002), 3: broker('3', 9003) };
  return Object.assign(Object.create(BrokerPool.prototype) as object, {
    brokers,
    metadata: {
      controllerId,
      brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: '127.0.0.1', port: 9000 + nodeId })),
    },
    findBroker: ({ nodeId }: { nodeId: '1' | '2' | '3' }) => Promise.resolve(brokers[nodeId]),
  });
}

/** The node ids a cluster over pool() picks as the broker to ask for a producer id, over `times` calls. */
async function controllerPicks(times: number): Promise<Set<string>> {
  const cluster = new Cluster({
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }),
    brokers: ['127.0.0.1:9001'],
  });
  cluster.brokerPool = pool(1);
  const chosen = new Set<string>();
  for (let i = 0; i < times; i++) chosen.add((await cluster.findControllerBroker()).nodeId);
  return chosen;
}

/** The node ids findConnectedBroker picks over `times` calls. */
async function picks(times: number): Promise<Set<string>> {
  const brokers = pool();
  const chosen = new Set<string>();
  for (let i = 0; i < times; i++)
    chosen.add((await BrokerPool.prototype.findConnectedBroker.call(brokers)).nodeId);
  return chosen;
}

describe('kafkajs patched to take metadata from brokers that answer produce requests', () => {
  const patched = takeMetadataFromAnsweringBrokers();
  afterEach(() => forgetSilentLeaders());

  it('applies to the kafkajs installed, once', () => {
    expect(patched).toBe(true);
    expect(takeMetadataFromAnsweringBrokers()).toBe(true);
    expect(Broker.prototype.produce.name).toBe('markSilentLeaders');
  });

  it('never asks a leader whose produce request timed out, while another broker is connected', async () => {
    expect(await picks(60)).toEqual(new Set(['1', '2', '3']));
    noteProduceOutcome('127.0.0.1:9001', requestTimedOut());
    expect(await picks(60)).toEqual(new Set(['2', '3']));
  });

  it('asks it again once it answers a produce request, or after a while', async () => {
    noteProduceOutcome('127.0.0.1:9001', requestTimedOut());
    noteProduceOutcome('127.0.0.1:9001');
    expect(await picks(60)).toContain('1');
    noteProduceOutcome('127.0.0.1:9002', requestTimedOut());
    expect(isSilentLeader('127.0.0.1:9002')).toBe(true);
    expect(isSilentLeader('127.0.0.1:9002', Date.now() + SILENT_LEADER_MS + 1)).toBe(false);
  });

  it('a refusal other than a timeout does not mark the broker (it answered)', () => {
    const refused = new kafkajs.KafkaJSProtocolError({
      type: 'NOT_LEADER_FOR_PARTITION',
      code: 6,
      retriable: true,
      message: 'not the leader',
    } as unknown as Error);
    noteProduceOutcome('127.0.0.1:9003', refused);
    expect(isSilentLeader('127.0.0.1:9003')).toBe(false);
  });

  it('asks another broker for the producer id when the one named controller is silent', async () => {
    expect(await controllerPicks(10)).toEqual(new Set(['1']));
    noteProduceOutcome('127.0.0.1:9001', requestTimedOut());
    expect(await controllerPicks(60)).toEqual(new Set(['2', '3']));
  });

  it('asks a silent one when every connected broker is silent', async () => {
    for (const port of [9001, 9002, 9003])
      noteProduceOutcome(`127.0.0.1:${port}`, requestTimedOut());
    expect((await picks(10)).size).toBeGreaterThan(0);
  });
});
