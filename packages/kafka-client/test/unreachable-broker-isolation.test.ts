import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { FIXED_KAFKAJS_VERSION } from '../src/fixes/kafkajs-version.js';
import {
  isolateUnreachableBrokers,
  noteFetchOutcome,
} from '../src/fixes/unreachable-broker-isolation.js';

const require = createRequire(import.meta.url);
const { prototype } = require('kafkajs/src/consumer/consumerGroup.js') as {
  prototype: { fetch(this: unknown, nodeId: number): Promise<unknown[]> };
};

/** A connected socket of a broker's pool, which records whether the patch closed it. */
function connection(): {
  destroyed: Error | undefined;
  socket: { destroy(error?: Error): void };
  isConnected(): boolean;
} {
  const state = {
    destroyed: undefined as Error | undefined,
    socket: {
      destroy: (error?: Error): void => {
        state.destroyed = error;
      },
    },
    isConnected: (): boolean => state.destroyed === undefined,
  };
  return state;
}

/** A ConsumerGroup with only the fields its fetch reads before it asks the broker, and metadata that fails with `error`. */
function groupFailingWith(error: Error) {
  const connections = [connection(), connection()];
  const group = Object.assign(Object.create(prototype) as object, {
    groupId: 'g',
    maxWaitTime: 1,
    logger: { info: () => {}, debug: () => {}, warn: () => {}, error: () => {} },
    cluster: {
      refreshMetadataIfNecessary: () => Promise.reject(error),
      brokerPool: {
        brokers: { 1: { connectionPool: { host: '127.0.0.1', port: 9094, pool: connections } } },
      },
    },
  });
  return { group, connections };
}

describe('kafkajs consumer patched to fetch past an unreachable broker', () => {
  const patched = isolateUnreachableBrokers();

  it('is written for the kafkajs version installed (re-read runner.js and consumerGroup.js before bumping it)', () => {
    expect((require('kafkajs/package.json') as { version: string }).version).toBe(
      FIXED_KAFKAJS_VERSION,
    );
    expect(patched).toBe(true);
    expect(isolateUnreachableBrokers()).toBe(true);
  });

  it('keeps a timed-out fetch to its broker: nothing fetched, and the silent connections closed', async () => {
    const timeout = new kafkajs.KafkaJSRequestTimeoutError(
      'Request Metadata(key: 3, version: 6) timed out',
      {
        broker: '127.0.0.1:9094',
        clientId: 'c',
        correlationId: 1,
        createdAt: 0,
        sentAt: 0,
        pendingDuration: 0,
      },
    );
    const { group, connections } = groupFailingWith(timeout);
    await expect(prototype.fetch.call(group, 1)).resolves.toEqual([]);
    expect(connections.map((c) => c.destroyed !== undefined)).toEqual([true, true]);
  });

  it('passes on what is not about reaching a broker (a refusal)', async () => {
    // kafkajs builds it from its table of broker errors (its typings only know a message).
    const refusal = new kafkajs.KafkaJSProtocolError(
      Object.assign(new Error('not authorised'), {
        type: 'TOPIC_AUTHORIZATION_FAILED',
        code: 29,
        retriable: false,
      }),
    );
    const { group, connections } = groupFailingWith(refusal);
    await expect(prototype.fetch.call(group, 1)).rejects.toBe(refusal);
    expect(connections.map((c) => c.destroyed)).toEqual([undefined, undefined]);
  });

  it('says once at warn that a broker has not been fetched from for a session timeout, and when it is again', () => {
    const warned: string[] = [];
    const logger = { info: () => {}, warn: (message: string) => void warned.push(message) };
    const group = { groupId: 'g', sessionTimeout: 60_000, logger } as unknown as Parameters<
      typeof noteFetchOutcome
    >[0];
    const timeout = new Error('timed out');
    noteFetchOutcome(group, 1, timeout);
    noteFetchOutcome(group, 1, undefined);
    expect(warned).toEqual([]);
    const brief = { ...group, sessionTimeout: 0 } as typeof group;
    for (let i = 0; i < 3; i++) noteFetchOutcome(brief, 2, timeout);
    noteFetchOutcome(brief, 3, undefined);
    expect(warned).toEqual([
      "A broker's partitions have not been fetched for a session timeout; still trying",
    ]);
    noteFetchOutcome(brief, 2, undefined);
    noteFetchOutcome(brief, 2, undefined);
    expect(warned).toHaveLength(2);
    expect(warned[1]).toBe('A broker is fetched from again');
  });
});
