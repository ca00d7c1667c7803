import { loadKafkaBinding, type ResourceNames } from '@demo-kafka/config';
import { Kafka, logLevel, type Consumer, type Producer } from '@demo-kafka/kafka-client';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { readFileSync } from 'node:fs';

const provided = inject('kafka');

const NAMES: ResourceNames = {
  topic: 'default',
  groupId: 'consumer',
  clientId: 'local-kafka-test',
};

/** A kafkajs client built from nothing but the binding directory (and optional overrides). */
function clientFrom(env: Record<string, string>, names: Partial<ResourceNames> = {}) {
  const config = loadKafkaBinding(
    { KAFKA_BINDING_DIR: provided.bindingDir, ...env },
    { ...NAMES, ...names },
  );
  return {
    config,
    kafka: new Kafka(config.kafkaConfig({ logLevel: logLevel.NOTHING, retry: { retries: 1 } })),
  };
}

const open: Array<Producer | Consumer> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.disconnect().catch(() => {})));
});

describe('a client configured only from the binding directory', () => {
  it('the binding directory holds exactly the Secret keys', () => {
    const config = loadKafkaBinding({ KAFKA_BINDING_DIR: provided.bindingDir }, NAMES);
    expect(Object.keys(config.origins).sort()).toEqual([
      'brokers',
      'ca',
      'name',
      'password',
      'topicPrefix',
      'username',
    ]);
    expect(config.topic).toBe(`${provided.topicPrefix}default`);
    expect(readFileSync(join(provided.bindingDir, 'topicPrefix'), 'utf8')).toBe(
      `${provided.username}-`,
    );
  });

  it('produces and consumes a message on <prefix>default', async () => {
    const { config, kafka } = clientFrom({}, { groupId: `consumer-${randomUUID()}` });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    open.push(producer);
    await producer.connect();
    const value = `hello ${randomUUID()}`;
    const [ack] = await producer.send({ topic: config.topic, acks: -1, messages: [{ value }] });
    expect(ack?.errorCode).toBe(0);

    const consumer = kafka.consumer({ groupId: config.groupId });
    open.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: config.topic, fromBeginning: true });
    const seen = new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value?.toString() === value) resolve(message.value.toString());
        },
      });
    });
    await expect(seen).resolves.toBe(value);
  });

  it('a wrong password fails with an authentication error that does not contain the password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrong-password-'));
    const wrong = `wrong-${randomUUID()}`;
    writeFileSync(join(dir, 'password'), wrong);
    const config = loadKafkaBinding(
      { KAFKA_BINDING_DIR: provided.bindingDir, KAFKA_PASSWORD: wrong },
      NAMES,
    );
    const producer = new Kafka(
      config.kafkaConfig({ logLevel: logLevel.NOTHING, retry: { retries: 0 } }),
    ).producer();
    open.push(producer);
    const error = await producer.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = String((error as Error).message);
    expect(message).toMatch(/authentication failed/i);
    expect(message).not.toContain(wrong);
    expect(message).not.toContain(provided.password);
  });

  it('a topic without the prefix is refused', async () => {
    const { kafka } = clientFrom({});
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    open.push(producer);
    await producer.connect();
    const send = producer.send({
      topic: `not-mine-${randomUUID()}`,
      acks: -1,
      messages: [{ value: 'x' }],
    });
    await expect(send).rejects.toThrow(/not authorized/i);
  });

  it("another user's prefixed topic is refused", async () => {
    const { kafka } = clientFrom({});
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    open.push(producer);
    await producer.connect();
    const send = producer.send({
      topic: `${provided.other.topicPrefix}default`,
      acks: -1,
      messages: [{ value: 'x' }],
    });
    await expect(send).rejects.toThrow(/not authorized/i);
  });

  it('a client given another CA fails TLS with a clear message', async () => {
    const otherCa = readFileSync(new URL('./fixtures/other-ca.pem', import.meta.url), 'utf8');
    const { kafka } = clientFrom({ KAFKA_CA: otherCa });
    const producer = kafka.producer();
    open.push(producer);
    const error = await producer.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String((error as Error).message)).toMatch(
      /self[- ]signed certificate|unable to verify|certificate/i,
    );
  });
});
