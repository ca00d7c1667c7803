import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listen, type Listening } from '../../../test/support/listen.js';
import { readTopic } from '../../../test/support/read-topic.js';
import { buildProducer, type TestProducer } from './build-producer.js';

const kafka = inject('kafka');

describe('record keys as they were sent, through a real broker', () => {
  let producer: TestProducer;
  let served: Listening;
  const TOPIC = `keys-as-sent-${randomUUID()}`;

  beforeAll(async () => {
    producer = await buildProducer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
    served = await listen(producer.app);
  });
  afterAll(async () => {
    await served?.close();
    await producer?.close();
  });

  /**
   * A POST with a `Kafka-Key` of these bytes: fetch sends a header's characters as one byte each,
   * as curl sends what it is given (Node's client would encode them as UTF-8 once more).
   */
  const postKeyBytes = (key: Buffer, body: string): Promise<Response> =>
    fetch(`${served.url}/messages`, {
      method: 'POST',
      headers: { 'Kafka-Key': key.toString('latin1'), 'Content-Type': 'text/plain' },
      body,
    });

  it('stores a non-ASCII Kafka-Key as its UTF-8 bytes, as ?key= does', async () => {
    expect((await postKeyBytes(Buffer.from('🍕'), 'pizza by header')).status).toBe(200);
    const viaQuery = await producer.api
      .post(`/messages?key=${encodeURIComponent('🍕')}`)
      .type('text')
      .send('pizza by query');
    expect(viaQuery.status).toBe(200);
    const records = await readTopic(kafka.bindingDir, producer.topic, 2);
    expect(records.map((r) => [r.value?.toString(), r.key?.toString('hex')])).toEqual([
      ['pizza by header', Buffer.from('🍕').toString('hex')],
      ['pizza by query', Buffer.from('🍕').toString('hex')],
    ]);
  });

  it('refuses a key that is not UTF-8, given twice, or after too many parameters, and writes nothing', async () => {
    const marker = `refused ${randomUUID()}`;
    const notUtf8 = await postKeyBytes(Buffer.from([0xff, 0xfe]), marker);
    expect(notUtf8.status).toBe(400);
    expect(notUtf8.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await notUtf8.json()) as { detail: string }).detail).toMatch(/Kafka-Key is not UTF-8/);
    const refusals = [
      producer.api.post('/messages?key=a&key=b').type('text').send(marker),
      producer.api
        .post(`/messages?${'p=1&'.repeat(1000)}key=k`)
        .type('text')
        .send(marker),
    ];
    const details = [/key must be given once/, /at most 1000 are read/];
    for (const [i, refusal] of refusals.entries()) {
      const res = await refusal;
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.text).detail).toMatch(details[i] ?? /never/);
    }
    const after = `accepted ${randomUUID()}`;
    expect((await producer.api.post('/messages?key=once').type('text').send(after)).status).toBe(
      200,
    );
    const records = await readTopic(kafka.bindingDir, producer.topic, (rs) =>
      rs.some((r) => r.value?.toString() === after),
    );
    expect(records.filter((r) => r.value?.toString() === marker)).toEqual([]);
    expect(records.find((r) => r.value?.toString() === after)?.key?.toString()).toBe('once');
  });
});
