import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { STREAM_POSITION_MAX_LENGTH } from '@demo-kafka/app-kit';
import { loadKafkaBinding } from '@demo-kafka/config';
import { Kafka, logLevel, type Producer } from '@demo-kafka/kafka-client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopicAsAdmin } from '../../../test/support/create-topic.js';
import { openStream, type SseEvent, type SseStream } from '../../../test/support/sse-client.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { buildConsumer, type TestConsumer } from './build-consumer.js';

const kafka = inject('kafka');

/**
 * Resumes the replay buffer no longer reaches are served from Kafka itself ("catch-up"): every
 * record after the client's id exactly once, in offset order per partition, then live ones with
 * nothing lost or repeated at the seam. A `gap` event only when Kafka no longer holds the records.
 */

/** A record to write, to the partition the test chooses (so where each record lands is known). */
interface Outgoing {
  readonly partition: number;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A record as Kafka holds it: what a client must get of it, and where. */
interface Written extends Outgoing {
  readonly offset: bigint;
}

type Position = ReadonlyMap<number, bigint>;

/** A topic of this file and every record written to it, by partition in offset order. */
interface TestTopic {
  /** TOPIC as the consumer is given it (without the binding's prefix). */
  readonly name: string;
  readonly partitions: readonly number[];
  send(messages: readonly Outgoing[]): Promise<Written[]>;
  records(partition: number): readonly Written[];
  /** The newest offset written to `partition` (-1 when none). */
  last(partition: number): bigint;
}

/**
 * `count` records over three partitions (i % 3), keyed (`k0`..`k4`) and keyless, some with a
 * header `h: yes` (or `h: no`), some values of two lines or with a leading space; `tag` keeps
 * every value unique.
 */
function mixed(tag: string, count: number): Outgoing[] {
  return Array.from(
    { length: count },
    (_, i): Outgoing => ({
      partition: i % 3,
      key: i % 4 === 3 ? null : `k${i % 5}`,
      value:
        i % 50 === 7
          ? `${tag}-${i}\nsecond line`
          : i % 50 === 19
            ? ` ${tag}-${i} with a leading space`
            : `${tag}-${i}`,
      headers: i % 7 === 0 ? { h: 'yes' } : i % 2 === 0 ? { h: 'no' } : {},
    }),
  );
}

/** One record at the end of every partition: after them, nothing can still be on its way. */
const markers = (tag: string, partitions = 3): Outgoing[] =>
  Array.from({ length: partitions }, (_, p) => ({
    partition: p,
    key: 'k1',
    value: `${tag}-marker-${p}`,
    headers: { h: 'yes' },
  }));

/** An event id read as a position: its pairs in the order written (the first is the event's own). */
function parseId(id: string | undefined): Map<number, bigint> | undefined {
  if (!id) return undefined;
  const position = new Map<number, bigint>();
  for (const pair of id.split(',')) {
    const match = /^(\d+):(\d+)$/.exec(pair);
    if (!match || position.has(Number(match[1]))) return undefined;
    position.set(Number(match[1]), BigInt(match[2] ?? ''));
  }
  return position;
}

/** The record an event carries: its id's first pair. */
function ownPair(event: SseEvent): [number, bigint] | undefined {
  const first = parseId(event.id)?.entries().next();
  return first && !first.done ? first.value : undefined;
}

const idOf = (position: Position): string =>
  [...position].map(([partition, offset]) => `${partition}:${offset}`).join(',');

/** What a resumed client must get. */
interface Due {
  /** The position it resumes from (pairs of partitions the topic does not have are ignored). */
  readonly from: Position;
  /** Only these records (a filter); all when absent. */
  readonly matches?: (record: Written) => boolean;
  /** ?format=json: each event's data is the record as JSON. */
  readonly json?: boolean;
  /**
   * A resume by time: a partition `from` names may be left out of the ids (or named at any
   * offset before the first record due) until the client gets a record of it.
   */
  readonly byTime?: boolean;
}

/** Per partition, the records a client resuming as `due` says must get, in offset order. */
function recordsDue(topic: TestTopic, due: Due): Map<number, Written[]> {
  return new Map(
    topic.partitions.map((p) => [
      p,
      topic
        .records(p)
        .filter((r) => r.offset > (due.from.get(p) ?? -1n) && (due.matches?.(r) ?? true)),
    ]),
  );
}

/**
 * Everything wrong with `events` as the stream of a client resuming as `due` says: each record
 * due exactly once, in offset order per partition, with its own data; no other event; and each
 * event's id the client's position, so that a resume with it repeats and skips nothing.
 */
function problemsOf(events: readonly SseEvent[], topic: TestTopic, due: Due): string[] {
  const problems: string[] = [];
  const owed = recordsDue(topic, due);
  const got = new Map<number, number>();
  const lastId = new Map<number, bigint>();
  for (const [index, event] of events.entries()) {
    if (problems.length >= 20) break;
    const shownId = (event.id?.length ?? 0) > 60 ? `${event.id?.slice(0, 60)}...` : event.id;
    const where = `event ${index} (id ${shownId})`;
    if (event.event !== 'message') {
      problems.push(`${where}: a "${event.event}" event (data: ${event.data.slice(0, 200)})`);
      continue;
    }
    const position = parseId(event.id);
    const own = ownPair(event);
    if (!position || !own) {
      problems.push(`${where}: not an id`);
      continue;
    }
    const [partition, offset] = own;
    const list = owed.get(partition);
    if (!list) {
      problems.push(`${where}: partition ${partition} is not one of the topic's`);
      continue;
    }
    const count = got.get(partition) ?? 0;
    const record = list[count];
    if (record?.offset !== offset) {
      problems.push(
        `${where}: partition ${partition} offset ${offset} where ${record ? `offset ${record.offset}` : 'nothing more'} was due`,
      );
      continue;
    }
    got.set(partition, count + 1);
    const dataProblem = due.json
      ? jsonProblem(event.data, record)
      : textProblem(event.data, record);
    if (dataProblem) problems.push(`${where}: ${dataProblem}`);
    for (const named of position.keys())
      if (!topic.partitions.includes(named))
        problems.push(`${where}: names partition ${named}, which the topic does not have`);
    // Each partition's pair: at least what the client has got there, and short of the next record
    // due there (a resume with this id then repeats and skips nothing); never moving back.
    for (const p of topic.partitions) {
      const received = got.get(p) ?? 0;
      const ownList = owed.get(p) ?? [];
      const floor =
        received > 0
          ? (ownList[received - 1]?.offset ?? -1n)
          : due.byTime
            ? -1n
            : (due.from.get(p) ?? -1n);
      const next = ownList[received];
      const ceiling = next ? next.offset - 1n : topic.last(p);
      const named = position.get(p);
      if (named === undefined) {
        if (received > 0 || (due.from.has(p) && !due.byTime))
          problems.push(`${where}: leaves out partition ${p} (the client is at ${floor} there)`);
        continue;
      }
      if (named < floor || named > ceiling)
        problems.push(`${where}: partition ${p} at ${named}, not within [${floor}, ${ceiling}]`);
      if (named < (lastId.get(p) ?? -1n))
        problems.push(`${where}: partition ${p} moved back from ${lastId.get(p)} to ${named}`);
      lastId.set(p, named);
    }
  }
  for (const p of topic.partitions) {
    const list = owed.get(p) ?? [];
    const received = got.get(p) ?? 0;
    if (received !== list.length)
      problems.push(
        `partition ${p}: ${received} of the ${list.length} records due arrived (from offset ${list[0]?.offset})`,
      );
  }
  return problems;
}

function textProblem(data: string, record: Written): string | undefined {
  return data === record.value
    ? undefined
    : `data ${JSON.stringify(data.slice(0, 80))}, not ${JSON.stringify(record.value.slice(0, 80))}`;
}

function jsonProblem(data: string, record: Written): string | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return `data is not JSON: ${data.slice(0, 80)}`;
  }
  const want = {
    partition: record.partition,
    offset: String(record.offset),
    key: record.key,
    value: record.value,
    headers: Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, [v]])),
  };
  const gotFields = {
    partition: parsed.partition,
    offset: parsed.offset,
    key: parsed.key,
    value: parsed.value,
    headers: parsed.headers,
  };
  return JSON.stringify(gotFields) === JSON.stringify(want)
    ? undefined
    : `JSON ${JSON.stringify(gotFields).slice(0, 200)}, not ${JSON.stringify(want).slice(0, 200)}`;
}

/** Whether `events` reached the last record due in every partition (or went past it). */
function reachedEnd(events: readonly SseEvent[], topic: TestTopic, due: Due): boolean {
  const owed = recordsDue(topic, due);
  const highest = new Map<number, bigint>();
  for (const event of events) {
    const own = event.event === 'message' ? ownPair(event) : undefined;
    if (own && own[1] > (highest.get(own[0]) ?? -1n)) highest.set(own[0], own[1]);
  }
  return [...owed].every(
    ([p, list]) => list.length === 0 || (highest.get(p) ?? -1n) >= (list.at(-1)?.offset ?? 0n),
  );
}

describe('a resume older than the replay buffer is served from Kafka', () => {
  let producer: Producer | undefined;
  const consumers: TestConsumer[] = [];
  const streams: SseStream[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const binding = loadKafkaBinding(
      { KAFKA_BINDING_DIR: kafka.bindingDir },
      { topic: 'unused', groupId: 'catch-up-unused', clientId: 'catch-up-test-producer' },
    );
    producer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING })).producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(consumers.splice(0).map((c) => c.close()));
  });

  /** A new topic of `partitions` partitions, created before any consumer looks at it. */
  async function newTopic(prefix: string, partitions = 3): Promise<TestTopic> {
    const name = `${prefix}-${randomUUID()}`;
    const full = `${kafka.topicPrefix}${name}`;
    await createTopicAsAdmin(kafka.adminBroker, { topic: full, numPartitions: partitions });
    const byPartition = new Map<number, Written[]>(
      Array.from({ length: partitions }, (_, p) => [p, []]),
    );
    return {
      name,
      partitions: [...byPartition.keys()],
      records: (partition) => byPartition.get(partition) ?? [],
      last: (partition) => byPartition.get(partition)?.at(-1)?.offset ?? -1n,
      send: async (messages) => {
        if (!producer) throw new Error('no producer');
        const metadata = await producer.send({
          topic: full,
          acks: -1,
          messages: messages.map(({ partition, key, value, headers }) => ({
            partition,
            key,
            value,
            headers: { ...headers },
          })),
        });
        // Kafka appends a request's records to each partition in the order given.
        const next = new Map<number, bigint>();
        for (const { partition, baseOffset } of metadata) {
          if (baseOffset === undefined)
            throw new Error(`no base offset for partition ${partition}`);
          next.set(partition, BigInt(baseOffset));
        }
        const written: Written[] = [];
        for (const message of messages) {
          const offset = next.get(message.partition);
          if (offset === undefined)
            throw new Error(`no offset reported for partition ${message.partition}`);
          next.set(message.partition, offset + 1n);
          const record = { ...message, offset };
          written.push(record);
          const list = byPartition.get(message.partition);
          if (!list) throw new Error(`partition ${message.partition} is not the topic's`);
          list.push(record);
          // Concurrent sends may report in another order than Kafka appended.
          if ((list.at(-2)?.offset ?? -1n) > offset)
            list.sort((a, b) => (a.offset < b.offset ? -1 : 1));
        }
        return written;
      },
    };
  }

  async function start(topic: TestTopic, env: Record<string, string> = {}): Promise<TestConsumer> {
    const consumer = await buildConsumer({
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC: topic.name,
      ...env,
    });
    consumers.push(consumer);
    return consumer;
  }

  async function stop(consumer: TestConsumer): Promise<void> {
    consumers.splice(consumers.indexOf(consumer), 1);
    await consumer.close();
  }

  async function open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const stream = await openStream(url, headers);
    streams.push(stream);
    return stream;
  }

  /** Until the consumer has taken in every record written so far. */
  async function consumedAll(consumer: TestConsumer, topic: TestTopic): Promise<void> {
    const behind = () =>
      topic.partitions.filter(
        (p) =>
          topic.last(p) >= 0n && consumer.hub.resumePoints.nextOffset(p) !== topic.last(p) + 1n,
      );
    await waitFor(
      () => behind().length === 0,
      30_000,
      () =>
        `the consumer has not read partitions ${behind().join(', ')} to the end: ${behind()
          .map((p) => `${consumer.hub.resumePoints.nextOffset(p)} of ${topic.last(p) + 1n}`)
          .join(', ')}`,
    );
  }

  /**
   * Until `stream` got every record `due` says, then what is wrong with what it got (after its
   * first `skip` events).
   */
  async function receivedAll(
    stream: SseStream,
    topic: TestTopic,
    due: Due,
    skip = 0,
  ): Promise<string[]> {
    const events = (): SseEvent[] => stream.events().slice(skip);
    await waitFor(
      () => reachedEnd(events(), topic, due),
      30_000,
      () =>
        `the stream did not reach the last records due; ${events().length} events, problems: ${problemsOf(
          events(),
          topic,
          due,
        )
          .slice(0, 5)
          .join('; ')}`,
    );
    return problemsOf(events(), topic, due);
  }

  /**
   * A client that read the first 50 events of 60 records (20 a partition) and left: its last id
   * names every partition, whatever order the consumer read them in.
   */
  async function earlyClient(
    consumer: TestConsumer,
    topic: TestTopic,
  ): Promise<{ id: string; position: Position }> {
    await topic.send(mixed('early', 60));
    await consumedAll(consumer, topic);
    const first = await open(`${consumer.url}/messages`);
    const seen = await first.waitForEvents(50);
    first.close();
    const id = seen[49]?.id ?? '';
    const position = parseId(id);
    if (!position) throw new Error(`the 50th event has no id: ${id}`);
    expect([...position.keys()].sort()).toEqual([0, 1, 2]);
    return { id, position };
  }

  it('resumes from an id older than the buffer: every record after it exactly once, also those written during the catch-up; no gap', async () => {
    const topic = await newTopic('catch-up');
    const consumer = await start(topic, { REPLAY_SIZE: '500' });
    const { id, position } = await earlyClient(consumer, topic);
    await topic.send(mixed('missed', 6000));
    await consumedAll(consumer, topic);
    const missedTo = new Map(topic.partitions.map((p) => [p, topic.last(p)]));

    // Records keep arriving from before the resume until after it has caught up.
    let stopped = false;
    let sends = 0;
    const writing = (async () => {
      while (!stopped) {
        await topic.send(mixed(`during${sends}`, 3));
        sends++;
      }
    })();
    try {
      await waitFor(() => sends >= 3);
      const resumed = await open(`${consumer.url}/messages`, { 'Last-Event-ID': id });
      expect(resumed.status).toBe(200);
      const caughtUp = (): boolean => {
        const highest = new Map<number, bigint>();
        for (const event of resumed.events()) {
          const own = ownPair(event);
          if (own && own[1] > (highest.get(own[0]) ?? -1n)) highest.set(own[0], own[1]);
        }
        return [...missedTo].every(([p, last]) => (highest.get(p) ?? -1n) >= last);
      };
      await waitFor(caughtUp, 30_000, () => `${resumed.events().length} events so far`);
      const sendsAtSeam = sends;
      await waitFor(() => sends >= sendsAtSeam + 5);
      stopped = true;
      await writing;
      await topic.send(markers('end'));
      expect(await receivedAll(resumed, topic, { from: position })).toEqual([]);
      expect(resumed.events().filter((e) => e.event === 'gap')).toEqual([]);
    } finally {
      stopped = true;
      await writing;
    }
  });

  it('still gives a new client (no id, no since) the last REPLAY_SIZE records first, then live ones', async () => {
    const topic = await newTopic('new-client');
    const consumer = await start(topic, { REPLAY_SIZE: '500' });
    await topic.send(mixed('old', 1500));
    await consumedAll(consumer, topic);
    const before = new Map(topic.partitions.map((p) => [p, topic.last(p)]));
    const client = await open(`${consumer.url}/messages`);
    await client.waitForEvents(500);
    const [live] = await topic.send([{ partition: 1, key: null, value: 'live', headers: {} }]);
    await waitFor(() => client.events().some((e) => e.data === 'live'));
    const events = client.events();
    expect(events).toHaveLength(501);
    expect(events[500]?.id?.split(',')[0]).toBe(`1:${live?.offset}`);
    // The 500 replayed: the newest of each partition, contiguous up to its end, each once.
    const replayed = new Map<number, bigint[]>();
    for (const event of events.slice(0, 500)) {
      const [p, o] = ownPair(event) ?? [-1, -1n];
      expect(event.data).toBe(topic.records(p).find((r) => r.offset === o)?.value);
      replayed.set(p, [...(replayed.get(p) ?? []), o]);
    }
    for (const [p, offsets] of replayed) {
      const last = before.get(p) ?? -1n;
      const first = last - BigInt(offsets.length) + 1n;
      expect(offsets, `partition ${p}`).toEqual(
        Array.from({ length: offsets.length }, (_, i) => first + BigInt(i)),
      );
    }
  });

  it('resumes by ?since= from Kafka: a time before the first record gets every record once, a time in between the records from it; no gap', async () => {
    const topic = await newTopic('since');
    const consumer = await start(topic, { REPLAY_SIZE: '500' });
    const beforeFirst = Date.now();
    await topic.send(mixed('first-half', 3000));
    const firstHalfDone = Date.now();
    await waitFor(() => Date.now() > firstHalfDone);
    const cut = Date.now();
    const secondHalf = await topic.send(mixed('second-half', 3000));
    await consumedAll(consumer, topic);

    const everything = await open(`${consumer.url}/messages?since=${beforeFirst}`);
    const fromCut = await open(
      `${consumer.url}/messages?since=${encodeURIComponent(new Date(cut).toISOString())}`,
    );
    expect([everything.status, fromCut.status]).toEqual([200, 200]);
    await topic.send(markers('end'));

    expect(await receivedAll(everything, topic, { from: new Map(), byTime: true })).toEqual([]);
    const firstAfterCut = new Map<number, bigint>();
    for (const r of secondHalf)
      if (!firstAfterCut.has(r.partition)) firstAfterCut.set(r.partition, r.offset - 1n);
    expect(await receivedAll(fromCut, topic, { from: firstAfterCut, byTime: true })).toEqual([]);
  });

  it('resumes after a consumer restart from Kafka: everything after the id exactly once', async () => {
    const topic = await newTopic('restart');
    const before = await start(topic, { REPLAY_SIZE: '500' });
    const { id, position } = await earlyClient(before, topic);
    await topic.send(mixed('before-restart', 3000));
    await consumedAll(before, topic);
    await stop(before);

    const after = await start(topic, { REPLAY_SIZE: '500' });
    await topic.send(mixed('after-restart', 3000));
    await consumedAll(after, topic);
    const resumed = await open(`${after.url}/messages`, { 'Last-Event-ID': id });
    expect(resumed.status).toBe(200);
    await topic.send(markers('end'));
    expect(await receivedAll(resumed, topic, { from: position })).toEqual([]);
  });

  it('sends a gap event only for records Kafka no longer holds (deleteTopicRecords), with the position it continues from, then continues from the low watermark', async () => {
    const topic = await newTopic('deleted');
    const consumer = await start(topic, { REPLAY_SIZE: '500' });
    const { id, position } = await earlyClient(consumer, topic);
    await topic.send(mixed('later', 3000));
    await consumedAll(consumer, topic);
    const p1 = position.get(1) ?? 0n;
    const p2 = position.get(2) ?? 0n;

    // Partition 0 loses records the client has not seen; partition 1 only those it has.
    const admin = new Kafka({ brokers: [kafka.adminBroker], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const full = `${kafka.topicPrefix}${topic.name}`;
      // kafkajs finds the partitions' leaders in metadata it must have loaded first.
      await admin.fetchTopicMetadata({ topics: [full] });
      await admin.deleteTopicRecords({
        topic: full,
        partitions: [
          { partition: 0, offset: '600' },
          { partition: 1, offset: String(p1 + 1n) },
        ],
      });
      const lows = await admin.fetchTopicOffsets(full);
      expect(
        lows
          .map(({ partition, low }) => [partition, low])
          .sort((a, b) => Number(a[0]) - Number(b[0])),
      ).toEqual([
        [0, '600'],
        [1, String(p1 + 1n)],
        [2, '0'],
      ]);
    } finally {
      await admin.disconnect();
    }

    const resumed = await open(`${consumer.url}/messages`, { 'Last-Event-ID': id });
    expect(resumed.status).toBe(200);
    const [gap] = await resumed.waitForEvents(1);
    expect(gap?.event).toBe('gap');
    const continuesFrom = new Map([
      [0, 599n],
      [1, p1],
      [2, p2],
    ]);
    expect(parseId(gap?.id)).toEqual(continuesFrom);
    // Its text names where partition 0 continues.
    expect(gap?.data).toMatch(/\b0\b[\s\S]*\b600\b/);

    await topic.send(markers('end'));
    expect(await receivedAll(resumed, topic, { from: continuesFrom }, 1)).toEqual([]);
  });

  it('drops the partitions a 700-partition id names that the topic does not have: ids of normal length, every record after the real ones', async () => {
    const topic = await newTopic('many-partitions');
    const consumer = await start(topic, { REPLAY_SIZE: '500' });
    await topic.send(mixed('records', 3000));
    await consumedAll(consumer, topic);
    const normal = await open(`${consumer.url}/messages`);
    const normalId = (await normal.waitForEvents(1))[0]?.id ?? '';
    normal.close();
    expect(normalId.split(',')).toHaveLength(3);

    const id = Array.from({ length: 700 }, (_, p) => `${p}:1`).join(',');
    // Still an id the consumer reads (a longer one would count as none at all).
    expect(id.length).toBeLessThanOrEqual(STREAM_POSITION_MAX_LENGTH);
    const resumed = await open(`${consumer.url}/messages`, { 'Last-Event-ID': id });
    expect(resumed.status).toBe(200);
    await topic.send(markers('end'));
    const due: Due = {
      from: new Map([
        [0, 1n],
        [1, 1n],
        [2, 1n],
      ]),
    };
    expect(await receivedAll(resumed, topic, due)).toEqual([]);
    const longest = Math.max(...resumed.events().map((e) => e.id?.length ?? 0));
    expect(longest).toBeLessThanOrEqual(normalId.length + 6);
  });

  it('answers an id past the end of a partition with a gap event, then the records that partition has, then live ones', async () => {
    const topic = await newTopic('past-end');
    const consumer = await start(topic);
    await topic.send(
      Array.from({ length: 30 }, (_, i) => ({
        partition: i % 3,
        key: null,
        value: `record-${i}`,
        headers: {},
      })),
    );
    await consumedAll(consumer, topic);
    const resumed = await open(`${consumer.url}/messages`, {
      'Last-Event-ID': '0:999999,1:3,2:3',
    });
    expect(resumed.status).toBe(200);
    const [gap] = await resumed.waitForEvents(1);
    expect(gap?.event).toBe('gap');
    // It continues in partition 0 from its first record: nothing received there, so no pair for it.
    expect(parseId(gap?.id)).toEqual(
      new Map([
        [1, 3n],
        [2, 3n],
      ]),
    );
    const due: Due = {
      from: new Map([
        [1, 3n],
        [2, 3n],
      ]),
    };
    await waitFor(
      () => reachedEnd(resumed.events().slice(1), topic, due),
      15_000,
      () => `the records that exist did not follow the gap: ${resumed.raw().slice(-1000)}`,
    );
    await topic.send([{ partition: 0, key: null, value: 'live', headers: {} }]);
    expect(await receivedAll(resumed, topic, due, 1)).toEqual([]);
    expect(resumed.events().at(-1)?.data).toBe('live');
  });

  it('applies ?key=, ?header= and ?format=json to the records a resume reads from Kafka (ids still positions in the whole topic)', async () => {
    const topic = await newTopic('filters');
    const consumer = await start(topic, { REPLAY_SIZE: '500' });
    const { id, position } = await earlyClient(consumer, topic);
    await topic.send(mixed('missed', 6000));
    await consumedAll(consumer, topic);

    const byKey = await open(`${consumer.url}/messages?key=k1`, { 'Last-Event-ID': id });
    const byHeader = await open(
      `${consumer.url}/messages?header=${encodeURIComponent('h:yes')}&lastEventId=${encodeURIComponent(id)}`,
    );
    const asJson = await open(`${consumer.url}/messages?key=k1&format=json`, {
      'Last-Event-ID': id,
    });
    expect([byKey.status, byHeader.status, asJson.status]).toEqual([200, 200, 200]);
    await topic.send(mixed('end', 30));

    const k1 = (r: Written): boolean => r.key === 'k1';
    // Hundreds in each partition, most of them older than the buffer.
    const dueK1 = recordsDue(topic, { from: position, matches: k1 });
    expect([...dueK1.values()].map((list) => list.length > 200)).toEqual([true, true, true]);
    expect(await receivedAll(byKey, topic, { from: position, matches: k1 })).toEqual([]);
    expect(
      await receivedAll(byHeader, topic, { from: position, matches: (r) => r.headers.h === 'yes' }),
    ).toEqual([]);
    expect(await receivedAll(asJson, topic, { from: position, matches: k1, json: true })).toEqual(
      [],
    );
  });

  it('bounds the buffer by REPLAY_MAX_BYTES and serves a resume beyond it from Kafka', async () => {
    const topic = await newTopic('max-bytes');
    const consumer = await start(topic, { REPLAY_SIZE: '1000', REPLAY_MAX_BYTES: '100000' });
    const { id, position } = await earlyClient(consumer, topic);
    await topic.send(
      Array.from({ length: 300 }, (_, i) => ({
        partition: i % 3,
        key: null,
        value: `${String(i).padStart(4, '0')}${'x'.repeat(996)}`,
        headers: {},
      })),
    );
    await consumedAll(consumer, topic);
    // A new client gets at most 100 records of 1,000 bytes: the newest, not all 360.
    const fresh = await open(`${consumer.url}/messages`);
    await fresh.waitForEvents(1);
    await topic.send(markers('fresh'));
    await waitFor(() => fresh.events().filter((e) => e.data.includes('fresh-marker')).length === 3);
    const replayed = fresh.events().length - 3;
    expect(replayed).toBeGreaterThan(0);
    expect(replayed).toBeLessThanOrEqual(100);

    const resumed = await open(`${consumer.url}/messages`, { 'Last-Event-ID': id });
    await topic.send(markers('end'));
    expect(await receivedAll(resumed, topic, { from: position })).toEqual([]);
  });

  it('answers 503 with Retry-After to a resume needing Kafka past MAX_CATCH_UPS running, while new clients and resumes within the buffer still stream', async () => {
    const topic = await newTopic('max-catch-ups');
    const consumer = await start(topic, { REPLAY_SIZE: '10', MAX_CATCH_UPS: '1' });
    // 40 MB to catch up on: far more than a paused client's socket buffers take.
    const filler = 'x'.repeat(100_000);
    for (let sent = 0; sent < 400; sent += 24)
      await topic.send(
        Array.from({ length: Math.min(24, 400 - sent) }, (_, i) => ({
          partition: (sent + i) % 3,
          key: null,
          value: `${sent + i}:${filler}`,
          headers: {},
        })),
      );
    await consumedAll(consumer, topic);
    const farBack = '0:0,1:0,2:0';

    // A resume from far back whose client reads its first event, then nothing more.
    const slow = await openPaused(consumer.url, farBack);
    sockets.push(slow.socket);
    expect(slow.head).toMatch(/^HTTP\/1\.1 200 /);

    const refused = await fetch(`${consumer.url}/messages`, {
      headers: { Accept: 'text/event-stream', 'Last-Event-ID': '0:1,1:1,2:1' },
      signal: AbortSignal.timeout(10_000),
    });
    const refusedBody = refused.status === 503 ? await refused.text() : '';
    if (!refused.bodyUsed) await refused.body?.cancel();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(refusedBody)).toMatchObject({ status: 503 });

    // Neither a new client nor a resume the buffer holds needs Kafka.
    const atHead = idOf(new Map(topic.partitions.map((p) => [p, topic.last(p)])));
    for (const headers of [{}, { 'Last-Event-ID': atHead }] as Record<string, string>[]) {
      const served = await fetch(`${consumer.url}/messages`, {
        headers: { Accept: 'text/event-stream', ...headers },
        signal: AbortSignal.timeout(10_000),
      });
      await served.body?.cancel();
      expect(served.status, JSON.stringify(headers)).toBe(200);
    }

    // Once the slow client leaves, its place is free again.
    slow.socket.destroy();
    await expect
      .poll(
        async () => {
          const again = await fetch(`${consumer.url}/messages`, {
            headers: { Accept: 'text/event-stream', 'Last-Event-ID': farBack },
            signal: AbortSignal.timeout(5_000),
          });
          await again.body?.cancel();
          return again.status;
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(200);
  });
});

/**
 * `GET /messages` on a raw socket, read until the head and the first event id arrived, then
 * paused: the server's writes to it pile up in the socket buffers, and then wait.
 */
function openPaused(url: string, lastEventId: string): Promise<{ socket: Socket; head: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no event within 15 s: ${received.slice(0, 500)}`));
    }, 15_000);
    const onData = (chunk: Buffer): void => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      if (!received.startsWith('HTTP/1.1 200 ') || /\nid:/.test(received.slice(end))) {
        clearTimeout(timer);
        socket.pause();
        socket.off('data', onData);
        resolve({ socket, head: received.slice(0, end) });
      }
    };
    socket.on('data', onData);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(
      `GET /messages HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n` +
        `Last-Event-ID: ${lastEventId}\r\n\r\n`,
    );
  });
}
