import { randomUUID } from 'node:crypto';
import { freePort } from '@demo-kafka/local-kafka';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildProducer, type TestProducer } from './build-producer.js';
import { waitFor } from '../../../test/support/wait-for.js';

const kafka = inject('kafka');

// Every answer is also held to the producer's own OpenAPI document (TestProducer.api).
describe('producer access and availability', () => {
  const open: TestProducer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  const build = async (env: Record<string, string>, waitReady = true) => {
    const producer = await buildProducer(
      { KAFKA_BINDING_DIR: kafka.bindingDir, ...env },
      waitReady,
    );
    open.push(producer);
    return producer;
  };

  it('with PRODUCER_TOKEN set, needs the bearer token (401 otherwise)', async () => {
    const token = `tok-${randomUUID()}`;
    const { api } = await build({ TOPIC: `auth-${randomUUID()}`, PRODUCER_TOKEN: token });
    const missing = await api.post('/messages').type('text').send('x');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.text).not.toContain(token);
    expect(
      (await api.post('/messages').set('Authorization', 'Bearer wrong').type('text').send('x'))
        .status,
    ).toBe(401);
    expect(
      (await api.post('/messages').set('Authorization', `Bearer ${token}`).type('text').send('x'))
        .status,
    ).toBe(200);
  });

  it('answers 503 with Retry-After while Kafka is unreachable, and /readyz says why', async () => {
    const closedPort = await freePort();
    const { api, sink } = await build(
      { KAFKA_BROKERS: `127.0.0.1:${closedPort}`, PRODUCE_TIMEOUT_MS: '2000' },
      false,
    );
    // Past "connecting to Kafka": the first probe has failed and its reason is the one users see.
    await waitFor(
      () => sink.readiness().reason === 'Kafka is not reachable',
      10_000,
      () => sink.readiness().reason ?? '',
    );
    const res = await api.post('/messages').type('text').send('Hello');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'not ready', reason: 'Kafka is not reachable' });
  });

  it('answers 503 when Kafka rejects the credentials, without the password anywhere', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const producer = await build({ KAFKA_PASSWORD: wrong }, false);
    await waitFor(
      () => /credentials/.test(producer.sink.readiness().reason ?? ''),
      20_000,
      () => producer.sink.readiness().reason ?? '',
    );
    const res = await producer.api.post('/messages').type('text').send('Hello');
    expect(res.status).toBe(503);
    expect(res.text).toMatch(/authentication failed/);
    const ready = await producer.api.get('/readyz');
    expect(ready.status).toBe(503);
    for (const text of [res.text, ready.text, (await producer.api.get('/metrics')).text]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(kafka.password);
    }
  });

  it('answers 503 when the topic is outside the prefix (refused by ACLs)', async () => {
    // KAFKA_TOPIC_PREFIX overrides the binding's, so the topic lands outside what the user may use.
    const producer = await build({ KAFKA_TOPIC_PREFIX: 'elsewhere-' }, false);
    await waitFor(
      () => /refused access to the topic/.test(producer.sink.readiness().reason ?? ''),
      20_000,
      () => producer.sink.readiness().reason ?? '',
    );
    const res = await producer.api.post('/messages').type('text').send('Hello');
    expect(res.status).toBe(503);
    expect(res.text).toMatch(/topicPrefix/);
  });
});
