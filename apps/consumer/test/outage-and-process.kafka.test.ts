import { randomUUID } from 'node:crypto';
import { startLocalKafka, type LocalKafka } from '@demo-kafka/local-kafka';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { produce } from '../../../test/support/produce.js';
import { readyz, rotatingBinding } from '../../../test/support/rotating-binding.js';
import { spawnApp, type SpawnedApp } from '../../../test/support/spawn-app.js';
import { openStream, type SseStream } from '../../../test/support/sse-client.js';
import { buildConsumer, type TestConsumer } from './build-consumer.js';

const shared = inject('kafka');

describe('Kafka down when the consumer starts', () => {
  let kafka: LocalKafka | undefined;
  let consumer: TestConsumer | undefined;
  let stream: SseStream | undefined;
  afterAll(async () => {
    stream?.close();
    await consumer?.close();
    await kafka?.stop();
  });

  it('serves while Kafka is away (/readyz 503), and connected clients get data once it is back', async () => {
    // A broker of its own, killed before the consumer starts: the shared one must stay up.
    kafka = await startLocalKafka({ username: 'late' });
    await kafka.kill();
    consumer = await buildConsumer({ KAFKA_BINDING_DIR: kafka.bindingDir }, false);
    const url = consumer.url;
    await expect
      .poll(async () => readyz(url), { timeout: 10_000 })
      .toEqual({ status: 'not ready', reason: 'Kafka is not reachable' });
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    stream = await openStream(`${consumer.url}/messages`);
    expect(stream.status).toBe(200);

    await kafka.start();
    await produce(kafka.bindingDir, 'default', ['back again']);
    expect((await stream.waitForEvents(1, 30_000)).map((e) => e.data)).toEqual(['back again']);
    // Data flows as soon as kafkajs reconnects; readiness follows at the supervisor's next probe.
    await expect
      .poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 15_000 })
      .toBe(200);
  });
});

describe('the consumer process', () => {
  const running: SpawnedApp[] = [];
  afterEach(() =>
    running.splice(0).forEach((app) => {
      app.kill();
    }),
  );

  it('exits non-zero with the config message when the binding is broken', async () => {
    const app = await spawnApp('consumer', { KAFKA_BROKERS: 'broker-without-port' }, false);
    running.push(app);
    expect(await app.exited).not.toBe(0);
    expect(app.output()).toMatch(
      /"brokers" \(from env KAFKA_BROKERS\): broker "broker-without-port" has no port/,
    );
  });

  it('on SIGTERM ends open streams cleanly and exits 0', async () => {
    const app = await spawnApp('consumer', {
      KAFKA_BINDING_DIR: shared.bindingDir,
      TOPIC: `sigterm-${randomUUID()}`,
    });
    running.push(app);
    const stream = await openStream(`${app.url}/messages`);
    expect(stream.status).toBe(200);
    app.child.kill('SIGTERM');
    await stream.ended;
    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('"msg":"stopped"');
    // Ended by the server with a proper end of the response, not cut off.
    expect(stream.completed()).toBe(true);
    expect(app.output()).not.toContain(shared.password);
  });

  it('reconnects when the mounted Secret rotates to working credentials, and streams what follows', async () => {
    const TOPIC = `rotate-${randomUUID()}`;
    const binding = rotatingBinding(shared);
    const app = await spawnApp('consumer', { KAFKA_BINDING_DIR: binding.dir, TOPIC });
    running.push(app);
    await expect
      .poll(async () => (await readyz(app.url)).reason, { timeout: 15_000 })
      .toMatch(/authentication failed/);
    const stream = await openStream(`${app.url}/messages`);

    binding.rotate();
    await expect
      .poll(async () => (await readyz(app.url)).status, { timeout: 20_000 })
      .toBe('ready');
    await produce(shared.bindingDir, TOPIC, ['after rotation']);
    expect((await stream.waitForEvents(1, 20_000)).map((e) => e.data)).toEqual(['after rotation']);
    stream.close();
    expect(app.output()).toContain('binding changed; reconnecting');
  });
});
