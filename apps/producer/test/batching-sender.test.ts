import { describe, expect, it, vi } from 'vitest';
import { BatchingSender, type Lanes } from '../src/batching/batching-sender.js';

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

  it('answers records sent together once all are settled, each outcome in its place', async () => {
    const kafka = fakeKafka();
    const sender = new BatchingSender(kafka.sendBatch, { maxRecords: 2, maxBytes: 1e6 });
    const single = sender.send('a', 1);
    const together = sender.sendAll(['b', 'c', 'd'], [1, 1, 1], [1000, 1000, 1000]);
    let settled = false;
    void together.then(() => (settled = true));
    expect(kafka.batches).toEqual([['a']]);
    kafka.finish[0]?.();
    await expect(single).resolves.toBe('ack:a');
    expect(kafka.batches).toEqual([['a'], ['b', 'c']]);
    kafka.finish[1]?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    const boom = new Error('broker away');
    kafka.finish[2]?.(boom);
    await expect(together).resolves.toEqual(['ack:b', 'ack:c', boom]);
    await expect(sender.sendAll([], [], [])).resolves.toEqual([]);
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

/** A record bound for a partition: `p<partition>:<name>`, keyless when the name starts with `any`. */
interface Routed {
  readonly name: string;
  partition: number | undefined;
}
const routed = (partition: number | undefined, name: string): Routed => ({ name, partition });

/** Six partitions led by three brokers (partition % 3); keyless records move round-robin. */
function sixPartitions(): Lanes<Routed> & { moved: string[] } {
  const moved: string[] = [];
  let next = 0;
  return {
    moved,
    partitionOf: (r) => r.partition,
    groupOf: (partition) => partition % 3,
    reroute: (r, avoid) => {
      if (!r.name.startsWith('any')) return r.partition;
      const open = [0, 1, 2, 3, 4, 5].filter((p) => !avoid.has(p));
      r.partition = open[next++ % open.length];
      moved.push(`${r.name}->${r.partition}`);
      return r.partition;
    },
  };
}

function fakeLanes() {
  const batches: Array<{ names: string[]; finish(fail?: Error): void }> = [];
  const sendBatch = (records: readonly Routed[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({
        names: records.map((r) => `p${r.partition}:${r.name}`),
        finish: (fail) => (fail ? reject(fail) : resolve(records.map((r) => `ack:${r.name}`))),
      });
    });
  return { batches, sendBatch };
}

describe('BatchingSender with lanes (one batch per leader, one in flight per partition)', () => {
  it('a leader that does not answer holds only its own records: the others are sent and answered meanwhile', async () => {
    const kafka = fakeLanes();
    const sender = new BatchingSender(kafka.sendBatch, {
      maxRecords: 100,
      maxBytes: 1e6,
      lanes: sixPartitions(),
    });
    const stuck = sender.send(routed(0, 'a'), 1);
    const others = [
      sender.send(routed(1, 'b'), 1),
      sender.send(routed(3, 'c'), 1),
      sender.send(routed(4, 'd'), 1),
      sender.send(routed(2, 'e'), 1),
    ];
    // Each goes at once: its partition has nothing in flight.
    expect(kafka.batches.map((b) => b.names)).toEqual([
      ['p0:a'],
      ['p1:b'],
      ['p3:c'],
      ['p4:d'],
      ['p2:e'],
    ]);
    for (const batch of kafka.batches.slice(1)) batch.finish();
    await expect(Promise.all(others)).resolves.toEqual(['ack:b', 'ack:c', 'ack:d', 'ack:e']);
    kafka.batches[0]?.finish();
    await expect(stuck).resolves.toBe('ack:a');
  });

  it('never has two batches of one partition in flight, and keeps each partition in order', async () => {
    const kafka = fakeLanes();
    const sender = new BatchingSender(kafka.sendBatch, {
      maxRecords: 2,
      maxBytes: 1e6,
      lanes: sixPartitions(),
    });
    const all = ['a', 'b', 'c', 'd', 'e'].map((name, i) => sender.send(routed(i % 2, name), 1));
    expect(kafka.batches.map((b) => b.names)).toEqual([['p0:a'], ['p1:b']]);
    kafka.batches[0]?.finish();
    await new Promise((resolve) => setImmediate(resolve));
    // Partition 1 is still in flight: only partition 0's next records go, two at most.
    expect(kafka.batches.map((b) => b.names).slice(2)).toEqual([['p0:c', 'p0:e']]);
    kafka.batches[1]?.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(kafka.batches.map((b) => b.names).slice(3)).toEqual([['p1:d']]);
    for (const batch of kafka.batches.slice(2)) batch.finish();
    await expect(Promise.all(all)).resolves.toHaveLength(5);
  });

  it('with oneBatchPerGroup, a leader has one batch in flight: what arrives meanwhile rides in the next, all its partitions together', async () => {
    const kafka = fakeLanes();
    const sender = new BatchingSender(kafka.sendBatch, {
      maxRecords: 100,
      maxBytes: 1e6,
      lanes: sixPartitions(),
      oneBatchPerGroup: true,
    });
    const all = [
      sender.send(routed(0, 'a'), 1),
      sender.send(routed(3, 'b'), 1),
      sender.send(routed(1, 'c'), 1),
      sender.send(routed(0, 'd'), 1),
    ];
    // Leader 0 (partitions 0 and 3) has one batch in flight; leader 1's goes beside it.
    expect(kafka.batches.map((b) => b.names)).toEqual([['p0:a'], ['p1:c']]);
    kafka.batches[0]?.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(kafka.batches.map((b) => b.names).slice(2)).toEqual([['p3:b', 'p0:d']]);
    kafka.batches[1]?.finish();
    kafka.batches[2]?.finish();
    await expect(Promise.all(all)).resolves.toEqual(['ack:a', 'ack:b', 'ack:c', 'ack:d']);
  });

  it('moves queued keyless records off a partition whose batch has been in flight too long, never keyed ones', async () => {
    const kafka = fakeLanes();
    const lanes = sixPartitions();
    const sender = new BatchingSender(kafka.sendBatch, {
      maxRecords: 100,
      maxBytes: 1e6,
      lanes,
      slowAfterMs: 40,
      timeoutMs: 10_000,
    });
    void sender.send(routed(0, 'stuck'), 1);
    const keyed = sender.send(routed(0, 'keyed'), 1);
    const keyless = sender.send(routed(0, 'any1'), 1);
    expect(kafka.batches).toHaveLength(1);
    // The sweep notices the slow partition: the keyless record goes elsewhere, the keyed one waits.
    await vi.waitFor(() => expect(kafka.batches).toHaveLength(2), { timeout: 2_000, interval: 5 });
    expect(lanes.moved).toEqual(['any1->1']);
    expect(kafka.batches.map((b) => b.names)).toEqual([['p0:stuck'], ['p1:any1']]);
    kafka.batches[1]?.finish();
    await expect(keyless).resolves.toBe('ack:any1');
    kafka.batches[0]?.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(kafka.batches.map((b) => b.names)[2]).toEqual(['p0:keyed']);
    kafka.batches[2]?.finish();
    await expect(keyed).resolves.toBe('ack:keyed');
  });

  it('keeps keyless records off a partition whose last batch failed, until a batch there goes fast', async () => {
    const kafka = fakeLanes();
    const lanes = sixPartitions();
    const sender = new BatchingSender(kafka.sendBatch, {
      maxRecords: 100,
      maxBytes: 1e6,
      lanes,
      slowAfterMs: 10_000,
    });
    const failed = sender.send(routed(0, 'keyed-a'), 1);
    kafka.batches[0]?.finish(new Error('the produce timeout was spent'));
    await expect(failed).rejects.toThrow('spent');
    await new Promise((resolve) => setImmediate(resolve));
    void sender.send(routed(0, 'any1'), 1);
    const keyed = sender.send(routed(0, 'keyed-b'), 1);
    expect(lanes.moved).toEqual(['any1->1']);
    expect(kafka.batches.slice(1).map((b) => b.names)).toEqual([['p1:any1'], ['p0:keyed-b']]);
    kafka.batches[2]?.finish();
    await keyed;
    await new Promise((resolve) => setImmediate(resolve));
    // The keyed batch went through at once: partition 0 takes keyless records again.
    void sender.send(routed(0, 'any2'), 1);
    expect(lanes.moved).toEqual(['any1->1']);
    expect(kafka.batches.at(-1)?.names).toEqual(['p0:any2']);
  });

  it('records whose partition is not known yet go alone, before any later record', async () => {
    const kafka = fakeLanes();
    const sender = new BatchingSender(kafka.sendBatch, {
      maxRecords: 100,
      maxBytes: 1e6,
      lanes: sixPartitions(),
    });
    const first = sender.send(routed(undefined, 'first'), 1);
    const later = sender.send(routed(1, 'later'), 1);
    expect(kafka.batches.map((b) => b.names)).toEqual([['pundefined:first']]);
    kafka.batches[0]?.finish();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(kafka.batches.map((b) => b.names)[1]).toEqual(['p1:later']);
    kafka.batches[1]?.finish();
    await expect(later).resolves.toBe('ack:later');
  });

  it('records of several partitions with one leader ride in one batch, those of another leader in another', async () => {
    const kafka = fakeLanes();
    const sender = new BatchingSender(kafka.sendBatch, {
      maxRecords: 100,
      maxBytes: 1e6,
      lanes: sixPartitions(),
    });
    const first = sender.send(routed(undefined, 'first'), 1);
    const queued = [
      sender.send(routed(0, 'a'), 1),
      sender.send(routed(1, 'b'), 1),
      sender.send(routed(3, 'c'), 1),
      sender.send(routed(4, 'd'), 1),
    ];
    kafka.batches[0]?.finish();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(kafka.batches.slice(1).map((b) => b.names)).toEqual([
      ['p0:a', 'p3:c'],
      ['p1:b', 'p4:d'],
    ]);
    for (const batch of kafka.batches.slice(1)) batch.finish();
    await expect(Promise.all(queued)).resolves.toEqual(['ack:a', 'ack:b', 'ack:c', 'ack:d']);
  });
});
