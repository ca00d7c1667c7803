import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKafkaBinding } from '@demo-kafka/config';
import { Kafka, logLevel } from '@demo-kafka/kafka-client';
import request from 'supertest';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { OTHER_MTLS, SECURITY_VARIANTS, variantKey } from './support/security-bindings.js';
import { openStream, type SseStream } from './support/sse-client.js';

const kafka = inject('kafka');

const SHAPE = {
  walkthrough: 'walkthrough Secret',
  'strimzi-access': 'Strimzi Access Operator Secret',
  'strimzi-user': 'Strimzi KafkaUser Secret',
};
const AUTH = {
  'scram-sha-256': `SASL scram-sha-256 as ${kafka.username}`,
  'scram-sha-512': `SASL scram-sha-512 as ${kafka.username}`,
  plain: `SASL plain as ${kafka.username}`,
  mtls: `client certificate CN=${kafka.username}`,
};

const apps: Array<TestProducer | TestConsumer> = [];
const streams: SseStream[] = [];
const dirs: string[] = [];
afterEach(async () => {
  streams.splice(0).forEach((s) => {
    s.close();
  });
  await Promise.all(apps.splice(0).map((app) => app.close()));
  dirs.splice(0).forEach((dir) => {
    rmSync(dir, { recursive: true, force: true });
  });
});

/** Starts both apps from `env` and moves `Hello` from a POST to the producer to the consumer's stream. */
async function moveHello(env: Record<string, string>): Promise<TestProducer> {
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
  return producer;
}

/** A binding directory with the files of the global setup's `key` binding, changed by `change`. */
function bindingLike(
  key: string,
  change: (files: Record<string, string>) => Record<string, string>,
  subdir?: string,
): string {
  const from = kafka.bindings[key];
  if (!from) throw new Error(`global setup wrote no binding for ${key}`);
  const files: Record<string, string> = {};
  for (const name of readdirSync(from).filter((n) => !n.startsWith('.')))
    files[name] = readFileSync(join(from, name), 'utf8');
  const root = mkdtempSync(join(tmpdir(), 'binding-shape-'));
  dirs.push(root);
  const dir = subdir ? join(root, subdir) : root;
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(change(files)))
    writeFileSync(join(dir, name), content);
  return root;
}

describe('every binding format and security mode moves Hello from the producer through Kafka to the consumer stream', () => {
  it.each(SECURITY_VARIANTS)('$format binding, $security', async (variant) => {
    const dir = kafka.bindings[variantKey(variant)];
    if (!dir) throw new Error(`global setup wrote no binding for ${variantKey(variant)}`);
    // A Strimzi Secret has no topic prefix: the app names its topic and group inside the user's ACLs.
    const prefix = variant.format === 'walkthrough' ? '' : kafka.topicPrefix;
    const env = {
      KAFKA_BINDING_DIR: dir,
      TOPIC: `${prefix}modes-${randomUUID()}`,
      GROUP_ID: `${prefix}consumer`,
    };

    const binding = loadKafkaBinding(env, {
      topic: env.TOPIC,
      groupId: env.GROUP_ID,
      clientId: 'modes-test',
    });
    expect(binding.describe()).toContain(AUTH[variant.security]);
    expect(binding.describe()).toContain(`binding: ${SHAPE[variant.format]}`);
    expect(binding.brokers).toEqual(
      variant.security === 'mtls' ? kafka.mtlsBrokers : kafka.brokers,
    );

    const producer = await moveHello(env);
    expect(producer.topic).toBe(`${kafka.topicPrefix}${env.TOPIC.slice(prefix.length)}`);
  });
});

describe('the other shapes move Hello too', () => {
  const topic = (): string => `shapes-${randomUUID()}`;
  const expectShape = (env: Record<string, string>, shape: string, auth: string): void => {
    const description = loadKafkaBinding(env, {
      topic: 'x',
      groupId: 'y',
      clientId: 'shapes-test',
    }).describe();
    expect(description).toContain(auth);
    expect(description).toContain(`binding: ${shape}`);
  };

  it('a servicebinding.io binding (SCRAM-SHA-512) found under SERVICE_BINDING_ROOT by its type', async () => {
    const root = bindingLike(
      'walkthrough/scram-sha-512',
      (files) => ({ ...files, type: 'kafka\n' }),
      'kafka',
    );
    const env = { SERVICE_BINDING_ROOT: root, TOPIC: topic() };
    expectShape(env, 'servicebinding.io binding', 'SASL scram-sha-512');
    await moveHello(env);
  });

  it('Java client properties with a PLAIN JAAS line (Confluent Cloud style), over TLS', async () => {
    const root = bindingLike('walkthrough/plain', (files) => ({
      'bootstrap.servers': files.brokers ?? '',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username='${kafka.username}' password='${kafka.password}';`,
      // The local broker's CA is private; a Confluent cluster's is public and needs no file.
      ca: files.ca ?? '',
      topicPrefix: files.topicPrefix ?? '',
    }));
    const env = { KAFKA_BINDING_DIR: root, TOPIC: topic() };
    expectShape(env, 'Kafka client properties', `SASL plain as ${kafka.username}`);
    await moveHello(env);
  });

  it('environment variables alone, with the client certificate and key as files (KAFKA_CERT_FILE, KAFKA_KEY_FILE)', async () => {
    const dir = kafka.bindings['walkthrough/mtls'] ?? '';
    const env = {
      KAFKA_BROKERS: kafka.mtlsBrokers.join(','),
      KAFKA_CERT_FILE: join(dir, 'cert'),
      KAFKA_KEY_FILE: join(dir, 'key'),
      KAFKA_CA_FILE: join(dir, 'ca'),
      KAFKA_TOPIC_PREFIX: kafka.topicPrefix,
      TOPIC: topic(),
    };
    expectShape(env, 'environment variables', `client certificate CN=${kafka.username}`);
    await moveHello(env);
  });
});

describe('mutual TLS takes the principal from the certificate', () => {
  it("another user's certificate is refused the demo- topics its own ACLs do not cover", async () => {
    const dir = kafka.bindings[OTHER_MTLS];
    if (!dir) throw new Error('global setup wrote no binding for the second user');
    const binding = loadKafkaBinding(
      { KAFKA_BINDING_DIR: dir },
      { topic: 'unused', groupId: 'unused', clientId: 'mtls-principal-test' },
    );
    expect(binding.describe()).toContain(`client certificate CN=${kafka.other.username}`);
    // Retries let the broker create the second user's topic on first use; the refusal is not retriable.
    const producer = new Kafka(
      binding.kafkaConfig({ logLevel: logLevel.NOTHING, retry: { retries: 8 } }),
    ).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await expect(
        producer.send({ topic: `${kafka.topicPrefix}default`, messages: [{ value: 'x' }] }),
      ).rejects.toMatchObject({
        cause: { type: 'TOPIC_AUTHORIZATION_FAILED' },
      });
      const [ack] = await producer.send({
        topic: `${kafka.other.topicPrefix}mtls-${randomUUID()}`,
        acks: -1,
        messages: [{ value: 'mine' }],
      });
      expect(ack?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });
});
