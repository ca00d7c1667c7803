/**
 * Record headers against Kafka's own Java client (kafka-clients, from the local broker's jars):
 * what our producer writes, Java reads with the same names, values and order; what Java writes,
 * our consumer streams in ?format=json.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKafkaJars } from '@demo-kafka/local-kafka';
import request from 'supertest';
import { runJavaProgram, writeJavaClientProperties } from './support/java-client.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { openStream } from './support/sse-client.js';

const kafka = inject('kafka');
const PROGRAM = fileURLToPath(new URL('./header-interop/HeaderInterop.java', import.meta.url));
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const text = (base64: string): string => Buffer.from(base64, 'base64').toString('utf8');

interface JavaRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Array<[string, string]>;
}

/** Runs HeaderInterop.java with `args`. */
const java = (classpath: string, args: readonly string[]): Promise<string> =>
  runJavaProgram(PROGRAM, classpath, args);

function parseRecords(out: string): JavaRecord[] {
  const records: JavaRecord[] = [];
  for (const line of out.split('\n')) {
    const [kind, ...rest] = line.split(' ');
    if (kind === 'RECORD')
      records.push({
        partition: Number(rest[0]),
        offset: rest[1] ?? '',
        key: rest[2] === '-' ? null : text(rest[2] ?? ''),
        value: text(rest[3] ?? ''),
        headers: [],
      });
    if (kind === 'HEADER') records.at(-1)?.headers.push([text(rest[0] ?? ''), text(rest[1] ?? '')]);
  }
  return records;
}

describe('record headers with the official Java client', () => {
  const TOPIC = `interop-${randomUUID()}`;
  let classpath: string;
  let dir: string;
  let properties: string;
  let producer: TestProducer;
  let consumer: TestConsumer;

  beforeAll(async () => {
    classpath = await ensureKafkaJars();
    dir = mkdtempSync(join(tmpdir(), 'header-interop-'));
    properties = writeJavaClientProperties(kafka, dir);
    const env = { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC };
    producer = await buildProducer(env);
    consumer = await buildConsumer(env);
  }, 300_000);
  afterAll(async () => {
    await consumer?.close();
    await producer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Java reads what our producer wrote: the same header names, values and order', async () => {
    const res = await request(producer.app)
      .post('/messages?key=order-7')
      .set('Content-Type', 'application/json')
      .set('ce-specversion', '1.0')
      .set('ce-id', 'e-1')
      .set('ce-source', '/shop')
      .set('ce-type', 'com.example.order.created')
      .set('Kafka-Header-Correlation-Id', 'c-1')
      .set('Kafka-Header-Tag', ['a', 'b'] as unknown as string)
      // Node's client writes header text as UTF-8 (and refuses characters past U+00FF), as curl sends what it is given.
      .set('Kafka-Header-Greeting', 'Grüße')
      .set('traceparent', TRACEPARENT)
      .send('{"total":12}');
    expect(res.status).toBe(200);
    const [record] = parseRecords(await java(classpath, ['read', properties, producer.topic, '1']));
    expect(record).toMatchObject({ key: 'order-7', value: '{"total":12}' });
    expect(record?.headers).toEqual([
      ['content-type', 'application/json'],
      ['ce_specversion', '1.0'],
      ['ce_id', 'e-1'],
      ['ce_source', '/shop'],
      ['ce_type', 'com.example.order.created'],
      ['correlation-id', 'c-1'],
      ['tag', 'a'],
      ['tag', 'b'],
      ['greeting', 'Grüße'],
      ['traceparent', TRACEPARENT],
    ]);
  }, 180_000);

  it('our consumer streams what Java wrote, headers and all, in ?format=json', async () => {
    const stream = await openStream(`${consumer.url}/messages?format=json&header=X-Source:java`);
    try {
      const headers = [
        ['X-Source', 'java'],
        ['tag', 'one'],
        ['tag', 'two'],
        ['note', 'ünïcode'],
      ];
      const out = await java(classpath, [
        'write',
        properties,
        producer.topic,
        b64('java-key'),
        b64('from Java'),
        ...headers.map(([n, v]) => `${b64(n ?? '')}:${b64(v ?? '')}`),
      ]);
      expect(out).toMatch(/^OK \d+ \d+/);
      const [event] = await stream.waitForEvents(1, 60_000);
      expect(JSON.parse(event?.data ?? '{}')).toMatchObject({
        key: 'java-key',
        value: 'from Java',
        valueEncoding: 'utf8',
        headers: { 'X-Source': ['java'], tag: ['one', 'two'], note: ['ünïcode'] },
      });
    } finally {
      stream.close();
    }
  }, 180_000);
});
