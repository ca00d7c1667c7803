import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { readTopic } from '../../../test/support/read-topic.js';
import { readyz } from '../../../test/support/rotating-binding.js';
import { spawnApp, type SpawnedApp } from '../../../test/support/spawn-app.js';

const kafka = inject('kafka');

/** One POST on a connection of its own, which the primary hands to a worker. */
function postAlone(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/messages`,
      { method: 'POST', agent: false, headers: { 'Content-Type': 'text/plain' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * /readyz on a connection of its own, given up after 300 ms: a pooled keep-alive connection can
 * belong to the worker the test kills, and a connection the primary handed to that worker just
 * as it died is never answered; the poll must go on to the next one. No answer reads as such.
 */
function readyzAlone(url: string): Promise<{ status: string; reason?: string }> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { agent: false, timeout: 300 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text) as { status: string; reason?: string });
        } catch {
          resolve({ status: 'no answer', reason: `not JSON: ${text.slice(0, 80)}` });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 300 ms')));
    req.on('error', (error) => resolve({ status: 'no answer', reason: error.message }));
    req.end();
  });
}

const metric = (text: string, name: string): number =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

describe('the producer with several workers (node:cluster)', () => {
  const running: SpawnedApp[] = [];
  afterEach(() =>
    running.splice(0).forEach((app) => {
      app.kill();
    }),
  );

  it('serves one port from every worker, with /metrics and /readyz speaking for all of them', async () => {
    const TOPIC = `workers-${randomUUID()}`;
    const app = await spawnApp('producer', {
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      WORKERS: '3',
    });
    running.push(app);
    await expect
      .poll(async () => (await readyz(app.url)).status, { timeout: 30_000 })
      .toBe('ready');

    const sent = Array.from({ length: 30 }, (_, i) => `w-${i}`);
    const answers = await Promise.all(sent.map((body) => postAlone(app.url, body)));
    expect(answers.map((a) => a.status)).toEqual(sent.map(() => 200));

    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(metric(text, 'producer_workers')).toBe(3);
    // Summed over the workers (the first took every connection: fill-first.ts), none missing.
    expect(metric(text, 'kafka_records_produced_total')).toBe(30);
    const records = await readTopic(
      kafka.bindingDir,
      `${kafka.topicPrefix}${TOPIC}`,
      (rs) => rs.length >= 30,
    );
    expect(records.map((r) => r.value?.toString()).sort()).toEqual([...sent].sort());

    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });

  it('limits a client to MAX_CLIENT_POSTS_PER_SECOND, not to a share of it per worker', async () => {
    const app = await spawnApp('producer', {
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC: `workers-${randomUUID()}`,
      WORKERS: '2',
      MAX_CLIENT_POSTS_PER_SECOND: '20',
    });
    running.push(app);
    await expect
      .poll(async () => (await readyz(app.url)).status, { timeout: 30_000 })
      .toBe('ready');
    // Sent at once; the client's few connections go to one worker. The limit is a token bucket
    // with a second's burst, refilled at 20 a second while the POSTs arrive.
    const startedAt = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => postAlone(app.url, `limited-${i}`)),
    );
    const refilled = Math.ceil(((performance.now() - startedAt) / 1000) * 20);
    const ok = answers.filter((a) => a.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(20);
    expect(ok).toBeLessThanOrEqual(20 + refilled);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(30 - ok);
  });

  it('replaces a worker that dies, and is not ready until the replacement is', async () => {
    const app = await spawnApp('producer', {
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC: `workers-${randomUUID()}`,
      WORKERS: '2',
    });
    running.push(app);
    await expect
      .poll(async () => (await readyzAlone(app.url)).status, { timeout: 30_000 })
      .toBe('ready');
    // The primary's children are its workers and, at times, an esbuild process of tsx's (the test runs the app from source).
    const children = readFileSync(`/proc/${app.child.pid}/task/${app.child.pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const workerPids = children.filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('apps/producer/src/main.ts'),
    );
    expect(workerPids).toHaveLength(2);

    process.kill(workerPids[0] ?? 0, 'SIGKILL');
    await expect
      .poll(async () => (await readyzAlone(app.url)).reason ?? '', {
        timeout: 10_000,
        interval: 20,
      })
      .toMatch(/1 of 2 workers ready/);
    await expect
      .poll(async () => (await readyzAlone(app.url)).status, { timeout: 30_000 })
      .toBe('ready');
    expect((await postAlone(app.url, 'after the restart')).status).toBe(200);
    expect(app.output()).toContain('a worker died; starting another');

    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });

  it('stops start-up once, with the config message, when a setting is invalid', async () => {
    const app = await spawnApp(
      'producer',
      { KAFKA_BINDING_DIR: kafka.bindingDir, WORKERS: '0' },
      false,
    );
    running.push(app);
    expect(await app.exited).toBe(78);
    expect(app.output()).toMatch(/WORKERS: expected a whole number from 1 to 64/);
    expect(app.output()).not.toContain('starting workers');
  });
});
