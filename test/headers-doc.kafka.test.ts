/**
 * The curl lines of docs/headers-and-cloudevents.md (and its Japanese twin, which must show the
 * same ones) run as written against the apps, with only the walkthrough ports replaced by the
 * test's: every POST is acknowledged, and every stream shows the records in its format.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildConsumer, type TestConsumer } from '../apps/consumer/test/build-consumer.js';
import { buildProducer, type TestProducer } from '../apps/producer/test/build-producer.js';
import { NODE_PORTS } from '../k8s/node-ports.js';
import { listen, type Listening } from './support/listen.js';
import { waitFor } from './support/wait-for.js';

const run = promisify(execFile);
const kafka = inject('kafka');
const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** The curl commands of the document's sh blocks, continuation lines joined. */
function curlLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, '').split('\n'))
    .filter((line) => line.startsWith('curl '));
}

describe('the curl lines of the headers document', () => {
  const english = curlLines(read('docs/headers-and-cloudevents.md'));
  const TOPIC = `headers-doc-${randomUUID()}`;
  let producer: TestProducer;
  let producerServer: Listening;
  let consumer: TestConsumer;
  const local = (line: string): string =>
    line
      .replaceAll(`localhost:${NODE_PORTS.producer}`, new URL(producerServer.url).host)
      .replaceAll(`localhost:${NODE_PORTS.consumer}`, new URL(consumer.url).host);

  beforeAll(async () => {
    producer = await buildProducer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
    producerServer = await listen(producer.app);
    consumer = await buildConsumer({ KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
  });
  afterAll(async () => {
    await consumer?.close();
    await producerServer?.close();
    await producer?.close();
  });

  it('are the same in English and Japanese, and cover both apps', () => {
    expect(curlLines(read('docs/headers-and-cloudevents.ja.md'))).toEqual(english);
    // The READMEs show some of them: those run here too.
    for (const readme of ['README.md', 'README.ja.md']) {
      const shown = curlLines(read(readme));
      expect(shown.length, readme).toBeGreaterThan(0);
      for (const line of shown) expect(english, `${readme}: ${line}`).toContain(line);
    }
    expect(english.some((l) => l.includes(`:${NODE_PORTS.producer}/`))).toBe(true);
    expect(english.some((l) => l.includes(`:${NODE_PORTS.consumer}/`))).toBe(true);
  });

  it('POSTs: each acknowledged (200)', async () => {
    const posts = english.filter((l) => l.includes(`:${NODE_PORTS.producer}/`));
    for (const line of posts) {
      const { stdout } = await run('sh', [
        '-c',
        `${local(line)} -sS -o /dev/null -w '%{http_code}'`,
      ]);
      expect(stdout, line).toBe('200');
    }
    await waitFor(() => consumer.hub.bufferedCount === posts.length);
  });

  it('streams: each shows events in its format', async () => {
    for (const line of english.filter((l) => l.includes(`:${NODE_PORTS.consumer}/`))) {
      // curl exits 28 when --max-time ends the endless stream: the expected way out.
      const output = await run('sh', ['-c', `${local(line)} -sS --max-time 2`]).then(
        (r) => r.stdout,
        (error: { code?: number; stdout?: string }) =>
          error.code === 28 ? (error.stdout ?? '') : Promise.reject(error),
      );
      const data = output
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5));
      expect(data.length, line).toBeGreaterThan(0);
      if (line.includes('format=json'))
        for (const d of data) expect(JSON.parse(d), line).toHaveProperty('headers');
      if (line.includes('format=cloudevents'))
        for (const d of data) expect(JSON.parse(d), line).toHaveProperty('specversion', '1.0');
      if (line.includes('header=tenant:t1'))
        for (const d of data) expect(d, line).not.toContain('two tags');
    }
  });
});
