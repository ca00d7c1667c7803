import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Listening, listen } from '../../../test/support/listen.js';
import { readTopic } from '../../../test/support/read-topic.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { buildProducer, type TestProducer } from './build-producer.js';

const kafka = inject('kafka');

interface BatchAnswer {
  readonly status: number;
  readonly contentType: string;
  /** Each answer line parsed, in order. */
  readonly lines: Array<Record<string, unknown>>;
}

/**
 * POSTs `lines` as a chunked `application/x-ndjson` body, `perChunk` lines a write, each write
 * after the previous was taken (back-pressure), and collects the answer lines.
 */
function postBatch(
  url: string,
  lines: readonly string[],
  perChunk = 1,
  options: { endBody?: boolean; onAnswerLine?: (line: Record<string, unknown>) => void } = {},
): Promise<BatchAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-ndjson' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const answers: Array<Record<string, unknown>> = [];
      let rest = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        rest += text;
        let newline = rest.indexOf('\n');
        while (newline !== -1) {
          const line = JSON.parse(rest.slice(0, newline)) as Record<string, unknown>;
          answers.push(line);
          options.onAnswerLine?.(line);
          rest = rest.slice(newline + 1);
          newline = rest.indexOf('\n');
        }
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          lines: rest === '' ? answers : [...answers, JSON.parse(rest) as Record<string, unknown>],
        }),
      );
      res.on('error', reject);
    });
    const write = async (): Promise<void> => {
      for (let i = 0; i < lines.length; i += perChunk) {
        const chunk = `${lines.slice(i, i + perChunk).join('\n')}\n`;
        if (!req.write(chunk)) await new Promise((drained) => req.once('drain', drained));
      }
      if (options.endBody !== false) req.end();
    };
    write().catch(reject);
  });
}

describe('POST /messages with an application/x-ndjson batch, through a real broker', () => {
  let producer: TestProducer;
  let server: Listening;
  const TOPIC = `batch-${randomUUID()}`;

  beforeAll(async () => {
    producer = await buildProducer({
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      MAX_MESSAGE_BYTES: '4096',
      BATCH_IDLE_TIMEOUT_MS: '1500',
    });
    server = await listen(producer.app, { requestMs: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await producer?.close();
  });

  it('answers a 3-line batch with one bad line in 3 lines, in order, and writes the other 2', async () => {
    const marker = randomUUID();
    const answer = await postBatch(server.url, [
      JSON.stringify({ value: `first ${marker}`, key: 'k1' }),
      '{"value": "not closed"',
      JSON.stringify({ value: { third: marker }, headers: { origin: ['a', 'b'] } }),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/x-ndjson/);
    expect(answer.lines).toHaveLength(3);
    const [first, second, third] = answer.lines;
    expect(first).toMatchObject({ topic: producer.topic, id: expect.stringMatching(/^\d+:\d+$/) });
    expect(second).toMatchObject({ line: 2, status: 400, title: 'Bad Request' });
    expect(String(second?.detail)).toMatch(/not JSON/);
    expect(third).toMatchObject({ topic: producer.topic });

    const records = await readTopic(kafka.bindingDir, producer.topic, (all) =>
      all.some((r) => r.value?.toString().includes(`"third":"${marker}"`)),
    );
    const mine = records.filter((r) => r.value?.toString().includes(marker));
    expect(mine.map((r) => r.value?.toString())).toEqual([
      `first ${marker}`,
      `{"third":"${marker}"}`,
    ]);
    expect(mine[0]?.key?.toString()).toBe('k1');
    expect(`${mine[0]?.partition}:${mine[0]?.offset}`).toBe(first?.id);
    expect(mine[1]?.headers?.['content-type']?.toString()).toBe('application/json');
    expect((mine[1]?.headers?.origin as Buffer[] | undefined)?.map(String)).toEqual(['a', 'b']);
  });

  it('acknowledges 20,000 records streamed over one connection, each once, at the offset its ack names', async () => {
    const run = randomUUID();
    const count = 20_000;
    const lines = Array.from({ length: count }, (_, i) =>
      JSON.stringify({ value: `${run} ${i}`, ...(i % 3 === 0 ? { key: `key-${i % 7}` } : {}) }),
    );
    const answer = await postBatch(server.url, lines, 250);
    expect(answer.lines).toHaveLength(count);
    expect(answer.lines.filter((line) => 'status' in line)).toEqual([]);
    const ids = answer.lines.map((line) => String(line.id));
    expect(new Set(ids).size).toBe(count);

    // Counted as they arrive: the condition runs once per record read.
    let checked = 0;
    let found = 0;
    const records = await readTopic(kafka.bindingDir, producer.topic, (all) => {
      for (; checked < all.length; checked++)
        if (all[checked]?.value?.toString().startsWith(run)) found++;
      return found >= count;
    });
    const byId = new Map(
      records
        .filter((r) => r.value?.toString().startsWith(run))
        .map((r) => [`${r.partition}:${r.offset}`, r.value?.toString()]),
    );
    expect(byId.size).toBe(count);
    ids.forEach((id, i) => {
      expect(byId.get(id)).toBe(`${run} ${i}`);
    });
  });

  it('sends each ack while the body is still open, and ends an idle body with a 408 line', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const pending = postBatch(server.url, [JSON.stringify({ value: 'still open' })], 1, {
      endBody: false,
      onAnswerLine: (line) => seen.push(line),
    });
    await waitFor(
      () => seen.length === 1,
      10_000,
      () => 'no ack while the body was open',
    );
    expect(seen[0]).toMatchObject({ topic: producer.topic });
    const answer = await pending;
    expect(answer.lines).toHaveLength(2);
    expect(answer.lines[1]).toMatchObject({ line: 2, status: 408 });
  });

  it('refuses an empty batch with a 400 problem, and a line over MAX_MESSAGE_BYTES with a 413 line', async () => {
    const empty = await postBatch(server.url, []);
    expect(empty.status).toBe(400);
    expect(empty.contentType).toMatch(/^application\/problem\+json/);

    const long = await postBatch(server.url, [
      JSON.stringify({ value: 'x'.repeat(5000) }),
      JSON.stringify({ value: 'after the long one' }),
    ]);
    expect(long.lines).toHaveLength(2);
    expect(long.lines[0]).toMatchObject({ line: 1, status: 413 });
    expect(long.lines[1]).toMatchObject({ topic: producer.topic });
  });
});
