import { describe, expect, it } from 'vitest';
import { BatchingSender } from '../src/batching/batching-sender.js';

/** A fake produce call that records each batch and lets the test decide when it completes. */
function fakeKafka() {
  const batches: string[][] = [];
  const finish: Array<(fail?: Error) => void> = [];
  const sendBatch = (records: readonly string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push([...records]);
      finish.push((fail) => (fail ? reject(fail) : resolve(records.map((r) => `ack:${r}`))));
    });
  return { batches, finish, sendBatch };
}

describe('BatchingSender', () => {
  it('sends the first record at once and coalesces those that arrive while it is in flight', async () => {
    const kafka = fakeKafka();
    const sender = new BatchingSender(kafka.sendBatch, { maxRecords: 100, maxBytes: 1e6 });
    const first = sender.send('a', 1);
    const rest = ['b', 'c', 'd'].map((r) => sender.send(r, 1));
    expect(kafka.batches).toEqual([['a']]);
    kafka.finish[0]?.();
    await expect(first).resolves.toBe('ack:a');
    expect(kafka.batches).toEqual([['a'], ['b', 'c', 'd']]);
    kafka.finish[1]?.();
    await expect(Promise.all(rest)).resolves.toEqual(['ack:b', 'ack:c', 'ack:d']);
  });

  it('bounds a batch by record count and by bytes, but always sends a record bigger than the bound', async () => {
    const kafka = fakeKafka();
    const sender = new BatchingSender(kafka.sendBatch, { maxRecords: 2, maxBytes: 10 });
    void sender.send('blocker', 1);
    const queued = [
      sender.send('a', 1),
      sender.send('b', 1),
      sender.send('c', 1),
      sender.send('big', 50),
      sender.send('d', 6),
      sender.send('e', 6),
    ];
    for (let i = 0; i < 6; i++) {
      kafka.finish[i]?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(queued);
    expect(kafka.batches).toEqual([['blocker'], ['a', 'b'], ['c'], ['big'], ['d'], ['e']]);
  });

  it('rejects every record of a failed batch with its error, and goes on with the next', async () => {
    const kafka = fakeKafka();
    const sender = new BatchingSender(kafka.sendBatch, { maxRecords: 10, maxBytes: 1e6 });
    const a = sender.send('a', 1);
    const b = sender.send('b', 1);
    const boom = new Error('broker away');
    kafka.finish[0]?.(boom);
    await expect(a).rejects.toBe(boom);
    kafka.finish[1]?.();
    await expect(b).resolves.toBe('ack:b');
  });

  it('times out a queued record without ever sending it, and an in-flight one without waiting for it', async () => {
    const kafka = fakeKafka();
    const sender = new BatchingSender(kafka.sendBatch, {
      maxRecords: 10,
      maxBytes: 1e6,
      timeoutMs: 50,
      timeoutError: () => new Error('too slow'),
    });
    const started = performance.now();
    const inFlight = sender.send('a', 1);
    const queued = sender.send('b', 1);
    await expect(inFlight).rejects.toThrow('too slow');
    await expect(queued).rejects.toThrow('too slow');
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
    kafka.finish[0]?.(); // Kafka answers for 'a' after all: 'b' was withdrawn, so it is not sent
    await sender.drained();
    expect(kafka.batches).toEqual([['a']]);
  });

  it('drained() waits for the batch in flight', async () => {
    const kafka = fakeKafka();
    const sender = new BatchingSender(kafka.sendBatch, { maxRecords: 10, maxBytes: 1e6 });
    const a = sender.send('a', 1);
    let drained = false;
    const done = sender.drained().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    kafka.finish[0]?.();
    await a;
    await done;
    expect(drained).toBe(true);
  });
});
