import { randomUUID } from 'node:crypto';
import { loadKafkaBinding } from '@demo-kafka/config';
import { Kafka, logLevel } from '@demo-kafka/kafka-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic, type ReadRecord } from '../../../test/support/read-topic.js';
import {
  CLAIMS_PARTITIONS,
  claimsPartitionOf,
  claimsTopicOf,
} from '../src/kafka/kafka-claims-log.js';
import { fingerprintOf } from '../src/idempotency/fingerprint.js';
import { buildProducer, type TestProducer } from './build-producer.js';

const kafka = inject('kafka');

interface Ack {
  readonly partition: number;
  readonly offset: string;
}

describe('Idempotency-Key: one write per key, across replicas and restarts, through a real broker', () => {
  const TOPIC = `idempotent-${randomUUID()}`;
  const env = { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC };
  let a: TestProducer;
  let b: TestProducer;

  beforeAll(async () => {
    [a, b] = await Promise.all([buildProducer(env), buildProducer(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const postOnce = (replica: TestProducer, key: string, body: string) =>
    replica.api
      .post('/messages')
      .set('Idempotency-Key', key)
      .set('Accept', 'application/json')
      .type('text')
      .send(body);
  /** As a client does: a 409 (the key's request still being written) is tried again after its Retry-After. */
  const post = async (replica: TestProducer, key: string, body: string) => {
    for (let tries = 1; ; tries++) {
      const answer = await postOnce(replica, key, body);
      if (answer.status !== 409 || tries === 20) return answer;
      await new Promise((resolve) =>
        setTimeout(resolve, Number(answer.headers['retry-after']) * 100),
      );
    }
  };

  /** Every record of the topic, read once a marker posted last has arrived (so nothing is still on its way). */
  async function everything(): Promise<ReadRecord[]> {
    const marker = `marker ${randomUUID()}`;
    expect((await a.api.post('/messages').type('text').send(marker)).status).toBe(200);
    return readTopic(kafka.bindingDir, a.topic, (records) =>
      records.some((r) => r.value?.toString() === marker),
    );
  }
  const copiesOf = (records: readonly ReadRecord[], value: string): number =>
    records.filter((r) => r.value?.toString() === value).length;

  it('a retry, to the same replica or another, answers the first write and writes nothing more', async () => {
    const key = randomUUID();
    const first = await post(a, key, 'pay 10');
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post(a, key, 'pay 10');
    const elsewhere = await post(b, key, 'pay 10');
    for (const retry of [again, elsewhere]) {
      expect(retry.status).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect((retry.body as Ack).offset).toBe((first.body as Ack).offset);
      expect((retry.body as Ack).partition).toBe((first.body as Ack).partition);
    }
    const records = await everything();
    expect(copiesOf(records, 'pay 10')).toBe(1);
    const written = records.find((r) => r.value?.toString() === 'pay 10');
    expect(written?.headers?.['idempotency-key']?.toString()).toBe(key);
  });

  it('the same key with another body is refused with 422, and nothing is written', async () => {
    const key = randomUUID();
    expect((await post(a, key, 'pay 20')).status).toBe(200);
    const other = await post(b, key, 'pay 2000');
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(copiesOf(await everything(), 'pay 2000')).toBe(0);
  });

  it('the same keys posted to two replicas at the same instant are written once each', async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => `at once ${i} ${randomUUID()}`);
    const answers = await Promise.all(
      bodies.map((body) => {
        const key = randomUUID();
        return Promise.all([postOnce(a, key, body), postOnce(b, key, body)]);
      }),
    );
    for (const pair of answers) {
      const statuses = pair.map((r) => r.status);
      // One wrote it; the other answered that write, or said it was being written (409).
      expect(statuses).toContain(200);
      for (const status of statuses) expect([200, 409]).toContain(status);
      const written = pair.filter((r) => r.status === 200 && !r.headers['idempotent-replayed']);
      expect(written).toHaveLength(1);
    }
    const records = await everything();
    for (const body of bodies) expect(copiesOf(records, body)).toBe(1);
  });

  it('after a restart, a retry still answers the first write', async () => {
    const key = randomUUID();
    const first = await post(a, key, 'pay 30');
    expect(first.status).toBe(200);
    const restarted = await buildProducer(env);
    try {
      const retry = await post(restarted, key, 'pay 30');
      expect(retry.status).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect((retry.body as Ack).offset).toBe((first.body as Ack).offset);
    } finally {
      await restarted.close();
    }
    expect(copiesOf(await everything(), 'pay 30')).toBe(1);
  });

  it('a key whose writer left no outcome (a 503 that was written, then the process died) is found in the topic', async () => {
    const key = randomUUID();
    const binding = loadKafkaBinding(
      { KAFKA_BINDING_DIR: kafka.bindingDir },
      { topic: 'default', groupId: 'unused', clientId: 'test-dead-writer' },
    );
    const producer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING })).producer();
    await producer.connect();
    try {
      // What a writer that died leaves: its claim, long past its lease, and its record.
      const at = Date.now() - 60_000;
      // The request below: its body, no key, its Content-Type as the one header.
      const fingerprint = fingerprintOf({
        value: Buffer.from('pay 40'),
        headers: { 'content-type': 'text/plain' },
      });
      await producer.send({
        topic: claimsTopicOf(a.topic),
        acks: -1,
        messages: [
          {
            // Where the producer keeps the claims of this key.
            partition: claimsPartitionOf(key, CLAIMS_PARTITIONS),
            key,
            value: JSON.stringify({
              kind: 'claim',
              key,
              fingerprint,
              owner: 'gone',
              at,
              leaseMs: 1,
            }),
          },
        ],
      });
      const [written] = await producer.send({
        topic: a.topic,
        acks: -1,
        messages: [{ value: 'pay 40', headers: { 'idempotency-key': key } }],
      });
      const retry = await post(b, key, 'pay 40');
      expect(retry.status).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect((retry.body as Ack).offset).toBe(written?.baseOffset);
      // The same key with another body is still the other request's.
      expect((await post(a, key, 'pay 41')).status).toBe(422);
    } finally {
      await producer.disconnect();
    }
    expect(copiesOf(await everything(), 'pay 40')).toBe(1);
  });
});
