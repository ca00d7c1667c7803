import { randomUUID } from 'node:crypto';
import { createLogger } from '@demo-kafka/app-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { TOKEN_EXPIRING_EVENT } from '../apps/consumer/src/stream/stream-hub.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { startOidcIssuer, tokenSettings, type OidcIssuer } from './support/oidc-issuer.js';
import { produce } from './support/produce.js';
import { openStream } from './support/sse-client.js';

const kafka = inject('kafka');

// Both apps against a real OpenID provider (oidc-provider) issuing JWT access tokens by the
// client-credentials grant, and a real broker. The refusals of forged, expired, unsigned and
// confused tokens are in packages/app-kit/test/access-tokens.test.ts.
describe('access tokens from an OpenID provider', () => {
  let issuer: OidcIssuer;
  let producer: TestProducer;
  let consumer: TestConsumer;
  const TOPIC = `auth-${randomUUID()}`;

  beforeAll(async () => {
    issuer = await startOidcIssuer();
    const env = { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC, ...tokenSettings(issuer) };
    producer = await buildProducer({ ...env, AUTH_SUBJECTS: 'demo-writer' });
    consumer = await buildConsumer(env);
  });
  afterAll(async () => {
    await producer?.close();
    await consumer?.close();
    await issuer?.close();
  });

  it('POST /messages: 401 without a token, 403 with a read-only one, 200 with messages:write or a listed subject', async () => {
    const { api } = producer;
    const none = await api.post('/messages').type('text').send('x');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe(
      'Bearer realm="demo-kafka", scope="messages:write"',
    );
    const reader = await issuer.token('messages:read');
    const forbidden = await api
      .post('/messages')
      .set('Authorization', `Bearer ${reader}`)
      .type('text')
      .send('x');
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    const writer = await issuer.token('messages:write');
    const ok = await api
      .post('/messages')
      .set('Authorization', `Bearer ${writer}`)
      .type('text')
      .send('Hello');
    expect(ok.status).toBe(200);
    // A workload whose token carries no scope, allowed by its subject (AUTH_SUBJECTS).
    const workload = await issuer.token('', { client: 'demo-writer' });
    const byName = await api
      .post('/messages')
      .set('Authorization', `Bearer ${workload}`)
      .type('text')
      .send('x');
    expect(byName.status).toBe(200);
    const document = await api.get('/openapi.json');
    expect(document.body.components.securitySchemes.bearer).toMatchObject({
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
  });

  it('GET /messages: 401 without a token, 403 without messages:read', async () => {
    const none = await openStream(`${consumer.url}/messages`);
    none.close();
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe(
      'Bearer realm="demo-kafka", scope="messages:read"',
    );
    const writer = await issuer.token('messages:write');
    const forbidden = await openStream(`${consumer.url}/messages`, {
      Authorization: `Bearer ${writer}`,
    });
    forbidden.close();
    expect(forbidden.status).toBe(403);
  });

  it('one client holding MAX_CLIENT_STREAMS streams (100 by default) does not keep another from opening one', async () => {
    const reader = await issuer.token('messages:read');
    const held = await Promise.all(
      Array.from({ length: 100 }, () =>
        openStream(`${consumer.url}/messages`, { Authorization: `Bearer ${reader}` }),
      ),
    );
    try {
      expect(held.map((s) => s.status)).toEqual(held.map(() => 200));
      const more = await openStream(`${consumer.url}/messages`, {
        Authorization: `Bearer ${reader}`,
      });
      more.close();
      expect(more.status).toBe(429);
      expect(more.headers['retry-after']).toBe('5');
      // Another subject (its own client registration at the provider).
      const other = await issuer.token('messages:read', { client: 'demo-writer' });
      const theirs = await openStream(`${consumer.url}/messages`, {
        Authorization: `Bearer ${other}`,
      });
      theirs.close();
      expect(theirs.status).toBe(200);
    } finally {
      for (const stream of held) stream.close();
    }
  });

  it('a flood of refused requests writes a line or two, not one each', async () => {
    const lines: string[] = [];
    const logger = createLogger('flood', 'debug', {
      write: (line: string) => void lines.push(line),
    });
    const flooded = await buildProducer(
      { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC, ...tokenSettings(issuer) },
      true,
      logger,
    );
    try {
      const before = lines.length;
      for (let i = 0; i < 200; i++)
        expect(
          (
            await flooded.api
              .post('/messages')
              .set('Authorization', 'Bearer not-a-token')
              .type('text')
              .send('x')
          ).status,
        ).toBe(401);
      const flood = lines.slice(before);
      expect(flood.length).toBeLessThanOrEqual(2);
      expect(flood.join('\n')).not.toContain('not-a-token');
    } finally {
      await flooded.close();
    }
  });

  it('ends a stream when its token expires, says so first, and a fresh token resumes it with no gap', async () => {
    const short = await issuer.token('messages:read', { ttlSeconds: 4 });
    const expiresAt =
      JSON.parse(Buffer.from(short.split('.')[1] ?? '', 'base64url').toString()).exp * 1000;
    const first = await openStream(`${consumer.url}/messages`, {
      Authorization: `Bearer ${short}`,
    });
    expect(first.status).toBe(200);
    const before = [`a-${randomUUID()}`, `b-${randomUUID()}`];
    await produce(kafka.bindingDir, TOPIC, before);
    await first.ended;
    const endedAt = Date.now();
    const events = first.events();
    expect(events.some((e) => e.event === TOKEN_EXPIRING_EVENT)).toBe(true);
    expect(endedAt).toBeGreaterThanOrEqual(expiresAt - 1000);
    expect(endedAt).toBeLessThan(expiresAt + 3000);
    expect(first.completed()).toBe(true);
    const lastId = [...events].reverse().find((e) => e.id)?.id;
    expect(events.map((e) => e.data)).toEqual(expect.arrayContaining(before));
    // Written while the client had no stream: the resume must bring them, once.
    const meanwhile = [`c-${randomUUID()}`, `d-${randomUUID()}`];
    await produce(kafka.bindingDir, TOPIC, meanwhile);
    const fresh = await issuer.token('messages:read');
    const second = await openStream(`${consumer.url}/messages`, {
      Authorization: `Bearer ${fresh}`,
      'Last-Event-ID': lastId ?? '',
    });
    try {
      const resumed = await second.waitForEvents(meanwhile.length, 10_000);
      expect(resumed.map((e) => e.data)).toEqual(meanwhile);
    } finally {
      second.close();
    }
  });
});
