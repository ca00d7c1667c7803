import { startLocalKafka, type LocalKafka } from '@demo-kafka/local-kafka';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProducer, type TestProducer } from './build-producer.js';
import { waitFor } from '../../../test/support/wait-for.js';

// A broker of its own: this test kills it, which the shared one must never see.
describe('a broker that dies and comes back', () => {
  let kafka: LocalKafka;
  let producer: TestProducer;

  beforeAll(async () => {
    kafka = await startLocalKafka({ username: 'outage' });
    producer = await buildProducer({
      KAFKA_BINDING_DIR: kafka.bindingDir,
      PRODUCE_TIMEOUT_MS: '3000',
    });
  });
  afterAll(async () => {
    await producer?.close();
    await kafka?.stop();
  });

  it('answers 503 within the produce timeout while it is down, then 200 again with no restart', async () => {
    expect((await request(producer.app).post('/messages').type('text').send('before')).status).toBe(
      200,
    );

    await kafka.kill();
    const started = Date.now();
    const during = await request(producer.app).post('/messages').type('text').send('during');
    expect(during.status).toBe(503);
    expect(during.headers['retry-after']).toBeDefined();
    expect(Date.now() - started).toBeLessThan(3000 + 1000);
    await waitFor(() => !producer.sink.readiness().ready, 10_000);
    expect((await request(producer.app).get('/readyz')).status).toBe(503);

    await kafka.start();
    await waitFor(
      () => producer.sink.readiness().ready,
      20_000,
      () => producer.sink.readiness().reason ?? '',
    );
    const after = await request(producer.app)
      .post('/messages')
      .set('Accept', 'application/json')
      .type('text')
      .send('after');
    expect(after.status).toBe(200);
    expect(after.body.offset).toBeDefined();
  });
});
