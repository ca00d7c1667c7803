/**
 * Compressed record batches against Kafka's own Java client (kafka-clients, from the local
 * broker's jars, with snappy-java, lz4-java and zstd-jni): what Java writes with each
 * compression.type, our consumer streams exactly; what our producer writes with each
 * KAFKA_COMPRESSION, Java reads exactly. And a batch the consumer cannot decode is skipped once,
 * said once, counted, and the stream goes on past it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@demo-kafka/app-kit';
import { loadKafkaBinding } from '@demo-kafka/config';
import {
  CompressionCodecs,
  CompressionTypes,
  COMPRESSION_NAMES,
  type CompressionName,
} from '@demo-kafka/kafka-client';
import { ensureKafkaJars } from '@demo-kafka/local-kafka';
import request from 'supertest';
import { runJavaProgram, writeJavaClientProperties } from './support/java-client.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer } from '../apps/producer/test/build-producer.js';
import { openStream } from './support/sse-client.js';
import { waitFor } from './support/wait-for.js';

const kafka = inject('kafka');
const PROGRAM = fileURLToPath(
  new URL('./compression-interop/CompressionInterop.java', import.meta.url),
);
const RECORDS = 5;
/** Node has zlib zstd from 22.15 and 23.8: before that, zstd is read but not written. */
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const NODE_WRITES_ZSTD =
  major > 23 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15);

/** The same function as value() in CompressionInterop.java: the third record is 100 kB. */
const value = (prefix: string, i: number): string =>
  `${prefix}-${i}:${'abcdefghij'.repeat(i === 2 ? 10_000 : i * 3)}`;
const values = (prefix: string): string[] =>
  Array.from({ length: RECORDS }, (_, i) => value(prefix, i));

/** The topic a TOPIC names on the local broker (its binding's prefix first). */
const topicOf = (name: string): string =>
  loadKafkaBinding(
    { KAFKA_BINDING_DIR: kafka.bindingDir },
    { topic: name, groupId: 'test-unused', clientId: 'test-compression' },
  ).topic;

/** Runs CompressionInterop.java with `args`. */
const java = (classpath: string, args: readonly string[]): Promise<string> =>
  runJavaProgram(PROGRAM, classpath, args);

/** The values of Java's VALUE lines, in Kafka's order. */
const javaValues = (out: string): string[] =>
  out
    .split('\n')
    .filter((line) => line.startsWith('VALUE '))
    .map((line) => Buffer.from(line.split(' ')[3] ?? '', 'base64').toString('utf8'));

describe('compressed record batches with the official Java client', () => {
  let classpath: string;
  let dir: string;
  let properties: string;

  beforeAll(async () => {
    classpath = await ensureKafkaJars();
    dir = mkdtempSync(join(tmpdir(), 'compression-interop-'));
    properties = writeJavaClientProperties(kafka, dir);
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('our consumer streams exactly what Java wrote with each compression.type', async () => {
    const name = `compressed-in-${randomUUID()}`;
    const consumer = await buildConsumer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC: name });
    const stream = await openStream(`${consumer.url}/messages?format=json`);
    try {
      const topic = topicOf(name);
      for (const codec of COMPRESSION_NAMES)
        expect(
          await java(classpath, ['write', properties, topic, codec, codec, String(RECORDS)]),
        ).toBe('OK\n');
      const expected = COMPRESSION_NAMES.flatMap(values);
      const events = await stream.waitForEvents(expected.length, 60_000);
      expect(events.map((event) => (JSON.parse(event.data) as { value: string }).value)).toEqual(
        expected,
      );
    } finally {
      stream.close();
      await consumer.close();
    }
  }, 300_000);

  /** Our producer writes `codec`; Java reads the records back. */
  async function producedAndReadBack(codec: CompressionName): Promise<void> {
    const producer = await buildProducer({
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC: `compressed-out-${codec}-${randomUUID()}`,
      KAFKA_COMPRESSION: codec,
    });
    try {
      // Posted at once, one key: the producer coalesces them into batches of that codec, on
      // one partition, in the order of the offsets Kafka answered.
      const sent = values(`node-${codec}`);
      const acks = await Promise.all(
        sent.map(async (each) => {
          const posted = await request(producer.app)
            .post('/messages?key=one')
            .set('Accept', 'application/json')
            .set('Content-Type', 'text/plain')
            .send(each);
          expect(posted.status).toBe(200);
          return { value: each, offset: BigInt((posted.body as { offset: string }).offset) };
        }),
      );
      const inOffsetOrder = acks
        .sort((a, b) => (a.offset < b.offset ? -1 : 1))
        .map((ack) => ack.value);
      const out = await java(classpath, ['read', properties, producer.topic, String(RECORDS)]);
      expect(javaValues(out)).toEqual(inOffsetOrder);
    } finally {
      await producer.close();
    }
  }

  it.each(COMPRESSION_NAMES.filter((codec) => codec !== 'zstd'))(
    'Java reads exactly what our producer wrote with KAFKA_COMPRESSION=%s',
    producedAndReadBack,
    180_000,
  );

  // Node writes zstd with zlib's, from 22.15 and 23.8 (CI runs Node 20 and 26); before that the
  // producer refuses the setting at start-up (apps/producer/test/compression-setting.test.ts).
  it.skipIf(!NODE_WRITES_ZSTD)(
    'Java reads exactly what our producer wrote with KAFKA_COMPRESSION=zstd (Node 22.15+ only)',
    () => producedAndReadBack('zstd'),
    180_000,
  );
});

describe('a record batch the consumer cannot decode', () => {
  it('is skipped with one warn and +1 on the metric, and the stream goes on past it', async () => {
    const name = `undecodable-${randomUUID()}`;
    const env = { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC: name };
    const lines: string[] = [];
    const consumer: TestConsumer = await buildConsumer(
      env,
      true,
      createLogger('consumer-test', 'info', { write: (line: string) => void lines.push(line) }),
    );
    const lz4 = await buildProducer({ ...env, KAFKA_COMPRESSION: 'lz4' });
    const plain = await buildProducer(env);
    const stream = await openStream(`${consumer.url}/messages?format=json`);
    // This process reads lz4 no more (as kafkajs before kafka-client's codecs): every lz4 batch
    // fails to decode. Writing it still works. Counted, to see whether the batch is fetched again.
    const codecs = CompressionCodecs as unknown as Record<number, () => KafkajsCodecLike>;
    const registered = codecs[CompressionTypes.LZ4];
    let decodes = 0;
    codecs[CompressionTypes.LZ4] = () => ({
      compress: (encoder) => (registered?.() ?? failing).compress(encoder),
      decompress: () => {
        decodes++;
        return Promise.reject(new Error('no lz4 here (test)'));
      },
    });
    const warns = (): string[] =>
      lines.filter((line) => line.includes('a record batch could not be decoded'));
    try {
      const post = (app: typeof lz4.app, body: string) =>
        request(app)
          .post('/messages?key=one')
          .set('Accept', 'application/json')
          .set('Content-Type', 'text/plain')
          .send(body);
      expect((await post(plain.app, 'before')).status).toBe(200);
      const skipped = await post(lz4.app, 'in the lz4 batch');
      expect(skipped.status).toBe(200);
      await waitFor(
        () => warns().length > 0,
        30_000,
        () => lines.join('\n'),
      );
      // Only now the next record: had the fetch position stayed at the skipped batch, every
      // fetch since would have decoded it again.
      expect((await post(plain.app, 'after')).status).toBe(200);
      const events = await stream.waitForEvents(2, 30_000);
      expect(events.map((event) => (JSON.parse(event.data) as { value: string }).value)).toEqual([
        'before',
        'after',
      ]);
      expect(decodes).toBe(1);
      expect(warns()).toHaveLength(1);
      // The batch of one record: its first and last offsets are that record's.
      const { partition, offset } = skipped.body as { partition: number; offset: string };
      expect(JSON.parse(warns()[0] ?? '{}')).toMatchObject({
        level: 40,
        topic: topicOf(name),
        partition,
        firstOffset: offset,
        lastOffset: offset,
      });
      const metrics = await request(consumer.url).get('/metrics');
      expect(metrics.text).toMatch(/^kafka_undecodable_batches_total 1$/m);
    } finally {
      codecs[CompressionTypes.LZ4] = registered ?? (() => failing);
      stream.close();
      await Promise.all([lz4.close(), plain.close()]);
      await consumer.close();
    }
  }, 120_000);
});

/** A kafkajs codec, as the test wraps one. */
interface KafkajsCodecLike {
  compress(encoder: { readonly buffer: Buffer }): Promise<Buffer>;
  decompress(compressed: Buffer): Promise<Buffer>;
}

const failing: KafkajsCodecLike = {
  compress: () => Promise.reject(new Error('no codec')),
  decompress: () => Promise.reject(new Error('no codec')),
};
