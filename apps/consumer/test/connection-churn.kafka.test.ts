import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { produce } from '../../../test/support/produce.js';
import { openStream } from '../../../test/support/sse-client.js';
import { buildConsumer, type TestConsumer } from './build-consumer.js';
import { waitFor } from '../../../test/support/wait-for.js';

const kafka = inject('kafka');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full collection, so that garbage awaiting collection does not count. */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const resources = (): number =>
  process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').length;

describe('2,000 SSE connect/disconnect cycles', () => {
  let consumer: TestConsumer;
  const TOPIC = `churn-${randomUUID()}`;

  beforeAll(async () => {
    consumer = await buildConsumer({
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      KEEPALIVE_MS: '50',
    });
    await produce(
      kafka.bindingDir,
      TOPIC,
      Array.from({ length: 50 }, (_, i) => `churn ${i}`),
    );
    await waitFor(() => consumer.hub.bufferedCount === 50);
  });
  afterAll(async () => consumer?.close());

  const cycles = async (count: number): Promise<void> => {
    for (let done = 0; done < count; done += 100) {
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const stream = await openStream(`${consumer.url}/messages`);
          await stream.waitForEvents(50);
          stream.close();
          await stream.ended;
        }),
      );
    }
    // Let the server see every close.
    const deadline = Date.now() + 5_000;
    while ((consumer.hub.clientCount > 0 || (await connections()) > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
  };
  const connections = (): Promise<number> =>
    new Promise((resolve) => consumer.server.getConnections((_e, n) => resolve(n)));

  it('forgets clients that leave while their stream is being set up', async () => {
    const connects = vi.spyOn(consumer.hub, 'connect');
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from(
          { length: 50 },
          () =>
            new Promise<void>((resolve) => {
              const socket = connect(Number(new URL(consumer.url).port), '127.0.0.1', () => {
                socket.end(
                  'GET /messages HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n',
                );
                socket.destroy();
              });
              socket.on('close', () => resolve());
              socket.on('error', () => resolve());
            }),
        ),
      );
    }
    // The requests did reach the hub (else a count of 0 would prove nothing), and none stayed.
    expect(connects.mock.calls.length).toBeGreaterThan(0);
    connects.mockRestore();
    await expect.poll(() => consumer.hub.clientCount, { timeout: 5_000 }).toBe(0);
  });

  it('leaves no client, socket, handle or listener behind, and memory returns near its baseline', async () => {
    await cycles(200); // warm-up: lazy module loads and JIT are not leaks
    const baseline = {
      heap: heapAfterGc(),
      resources: resources(),
      listeners: consumer.server.listenerCount('request'),
    };

    await cycles(2000);

    expect(consumer.hub.clientCount).toBe(0);
    expect(await connections()).toBe(0);
    expect(resources()).toBeLessThanOrEqual(baseline.resources + 2);
    expect(consumer.server.listenerCount('request')).toBe(baseline.listeners);
    const grown = heapAfterGc() - baseline.heap;
    // 2,000 clients x 50 replayed events each would hold far more than this if anything leaked.
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  }, 120_000);
});
