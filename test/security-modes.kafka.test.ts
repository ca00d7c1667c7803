import { randomUUID } from 'node:crypto';
import { loadKafkaBinding } from '@demo-kafka/config';
import kafkajs from 'kafkajs';
import request from 'supertest';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { OTHER_MTLS, SECURITY_VARIANTS, variantKey } from './support/security-bindings.js';
import { openStream, type SseStream } from './support/sse-client.js';

const { Kafka, logLevel } = kafkajs;
const kafka = inject('kafka');

const SHAPE = { walkthrough: 'walkthrough Secret', 'strimzi-access': 'Strimzi Access Operator Secret', 'strimzi-user': 'Strimzi KafkaUser Secret' };
const AUTH = {
  'scram-sha-256': `SASL scram-sha-256 as ${kafka.username}`,
  'scram-sha-512': `SASL scram-sha-512 as ${kafka.username}`,
  plain: `SASL plain as ${kafka.username}`,
  mtls: `client certificate CN=${kafka.username}`,
};

describe('every binding format and security mode moves Hello from the producer through Kafka to the consumer stream', () => {
  const apps: Array<TestProducer | TestConsumer> = [];
  const streams: SseStream[] = [];
  afterEach(async () => {
    streams.splice(0).forEach((s) => s.close());
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it.each(SECURITY_VARIANTS)('$format binding, $security', async (variant) => {
    const dir = kafka.bindings[variantKey(variant)];
    if (!dir) throw new Error(`global setup wrote no binding for ${variantKey(variant)}`);
    // A Strimzi Secret has no topic prefix: the app names its topic and group inside the user's ACLs.
    const prefix = variant.format === 'walkthrough' ? '' : kafka.topicPrefix;
    const env = { KAFKA_BINDING_DIR: dir, TOPIC: `${prefix}modes-${randomUUID()}`, GROUP_ID: `${prefix}consumer` };

    const binding = loadKafkaBinding(env, { topic: env.TOPIC, groupId: env.GROUP_ID, clientId: 'modes-test' });
    expect(binding.describe()).toContain(AUTH[variant.security]);
    expect(binding.describe()).toContain(`binding: ${SHAPE[variant.format]}`);
    expect(binding.brokers).toEqual(variant.security === 'mtls' ? kafka.mtlsBrokers : kafka.brokers);

    const consumer = await buildConsumer(env);
    apps.push(consumer);
    const producer = await buildProducer(env);
    apps.push(producer);
    const stream = await openStream(`${consumer.url}/messages`);
    streams.push(stream);

    const posted = await request(producer.app).post('/messages').type('form').send('Hello');
    expect(posted.status).toBe(200);
    const [event] = await stream.waitForEvents(1);
    expect(event?.data).toBe('Hello');
    expect(producer.topic).toBe(`${kafka.topicPrefix}${env.TOPIC.slice(prefix.length)}`);
  });
});

describe('mutual TLS takes the principal from the certificate', () => {
  it("another user's certificate is refused the demo- topics its own ACLs do not cover", async () => {
    const dir = kafka.bindings[OTHER_MTLS];
    if (!dir) throw new Error('global setup wrote no binding for the second user');
    const binding = loadKafkaBinding({ KAFKA_BINDING_DIR: dir }, { topic: 'unused', groupId: 'unused', clientId: 'mtls-principal-test' });
    expect(binding.describe()).toContain(`client certificate CN=${kafka.other.username}`);
    // Retries let the broker create the second user's topic on first use; the refusal is not retriable.
    const producer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING, retry: { retries: 8 } })).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await expect(producer.send({ topic: `${kafka.topicPrefix}default`, messages: [{ value: 'x' }] })).rejects.toMatchObject({
        cause: { type: 'TOPIC_AUTHORIZATION_FAILED' },
      });
      const [ack] = await producer.send({ topic: `${kafka.other.topicPrefix}mtls-${randomUUID()}`, acks: -1, messages: [{ value: 'mine' }] });
      expect(ack?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });
});
