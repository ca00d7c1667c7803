import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { readTopic } from '../../../test/support/read-topic.js';
import { readyz, rotatingBinding } from '../../../test/support/rotating-binding.js';
import { spawnApp, type SpawnedApp } from '../../../test/support/spawn-app.js';

const kafka = inject('kafka');

describe('the producer process', () => {
  const running: SpawnedApp[] = [];
  afterEach(() =>
    running.splice(0).forEach((app) => {
      app.kill();
    }),
  );

  it('exits non-zero with the config message when the binding is broken', async () => {
    const app = await spawnApp('producer', { KAFKA_BINDING_DIR: '/nonexistent/binding' }, false);
    running.push(app);
    expect(await app.exited).not.toBe(0);
    expect(app.output()).toMatch(
      /KAFKA_BINDING_DIR is \/nonexistent\/binding, which cannot be read as a directory/,
    );
  });

  it('on SIGTERM under load, finishes in-flight writes: every 200 is in the topic, and exits 0', async () => {
    const TOPIC = `shutdown-${randomUUID()}`;
    const app = await spawnApp('producer', { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
    running.push(app);
    // Wait for readiness so the load meets a connected producer.
    for (let i = 0; i < 100 && (await fetch(`${app.url}/readyz`)).status !== 200; i++)
      await new Promise((r) => setTimeout(r, 100));

    const acknowledged: string[] = [];
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const value = `w${w}-${i}`;
        try {
          const res = await fetch(`${app.url}/messages`, {
            method: 'POST',
            body: value,
            headers: { 'Content-Type': 'text/plain' },
          });
          if (res.status === 200) acknowledged.push(await res.text());
        } catch {
          return; // the server has closed: this worker is done
        }
      }
    };
    const workers = Array.from({ length: 20 }, (_, w) => worker(w));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    stop = true;
    await Promise.all(workers);

    expect(acknowledged.length).toBeGreaterThan(20);
    const wanted = new Set(acknowledged);
    const records = await readTopic(
      kafka.bindingDir,
      `${kafka.topicPrefix}${TOPIC}`,
      (rs) => rs.filter((r) => wanted.has(r.value?.toString() ?? '')).length === wanted.size,
    );
    const inTopic = new Set(records.map((r) => r.value?.toString()));
    expect(acknowledged.filter((value) => !inTopic.has(value))).toEqual([]);
    expect(app.output()).not.toContain(kafka.password);
  });

  it('on SIGTERM, still answers (and writes) a request whose body was half sent', async () => {
    const TOPIC = `half-sent-${randomUUID()}`;
    const app = await spawnApp('producer', { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC });
    running.push(app);
    await expect
      .poll(async () => (await readyz(app.url)).status, { timeout: 15_000 })
      .toBe('ready');
    const value = `half-${randomUUID()}`;
    const socket = connect(app.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(
      `POST /messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${value.length}\r\n\r\n${value.slice(0, 10)}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    app.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // The rest of the body, as a client does; it then waits for the answer (no half-close).
    socket.write(value.slice(10));
    await expect.poll(() => answer, { timeout: 10_000 }).toContain(value);
    socket.end();
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.endsWith(value)).toBe(true);
    expect(await app.exited).toBe(0);
    const records = await readTopic(kafka.bindingDir, `${kafka.topicPrefix}${TOPIC}`, 1);
    expect(records.map((r) => r.value?.toString())).toEqual([value]);
  });

  it('reconnects when the mounted Secret rotates to working credentials, with no restart', async () => {
    const binding = rotatingBinding(kafka);
    const app = await spawnApp('producer', { KAFKA_BINDING_DIR: binding.dir });
    running.push(app);
    await expect
      .poll(async () => (await readyz(app.url)).reason, { timeout: 15_000 })
      .toMatch(/authentication failed/);

    binding.rotate();
    await expect
      .poll(async () => readyz(app.url), { timeout: 20_000 })
      .toEqual({ status: 'ready' });
    const res = await fetch(`${app.url}/messages`, { method: 'POST', body: 'after rotation' });
    expect(res.status).toBe(200);
    expect(app.output()).toContain('binding changed; reconnecting');
    expect(app.output()).not.toContain(kafka.password);
  });
});
