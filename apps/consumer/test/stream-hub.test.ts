import { createLogger } from '@demo-kafka/app-kit';
import { once } from 'node:events';
import http, {
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsumerMetrics, type ConsumerMetrics } from '../src/consumer-metrics.js';
import {
  CatchUpsFullError,
  GAP_EVENT,
  MAX_CACHED_REPLAY_BYTES,
  StreamHub,
  type StreamHubOptions,
} from '../src/stream/stream-hub.js';
import type { StreamRecord } from '../src/stream/stream-record.js';
import { MemoryTopicHistory } from './memory-topic-history.js';

const RETRY_MS = 1234;

const rec = (
  partition: number,
  offset: number,
  value = `p${partition}@${offset}`,
): StreamRecord => ({
  topic: 't',
  partition,
  offset: BigInt(offset),
  key: null,
  value,
  timestamp: Number(offset),
});

interface SseEvent {
  readonly type: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** Splits raw stream text into events the way an EventSource does (comments and retry dropped). */
function parseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    let type = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1);
      if (field === 'data') data.push(value);
      else if (field === 'event') type = value;
      else if (field === 'id') id = value;
    }
    if (data.length > 0) events.push({ type, data: data.join('\n'), id });
  }
  return events;
}

/** An SSE response being read to the end, its text kept whole. */
interface Stream {
  readonly res: IncomingMessage;
  text: string;
  /** The server ended the response properly. */
  ended: boolean;
  /** The response is over, ended or cut off. */
  closed: boolean;
  events(): SseEvent[];
  close(): void;
}

const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  readonly hub: StreamHub;
  readonly registry: Registry;
  readonly metrics: ConsumerMetrics;
  readonly port: number;
  /** What the hub reads as Kafka: every record published. */
  readonly history: MemoryTopicHistory;
  open(path?: string, headers?: OutgoingHttpHeaders): Promise<Stream>;
  /** Opens a stream and waits until the hub has it as a client, so a publish reaches it live. */
  connect(path?: string, headers?: OutgoingHttpHeaders): Promise<Stream>;
  metric(name: string): Promise<number>;
}

/** `afterConnect` runs as soon as the hub was handed a request, while its stream is being set up. */
async function startHub(
  options: Partial<Omit<StreamHubOptions, 'metrics' | 'logger'>> = {},
  afterConnect?: (hub: StreamHub) => void,
): Promise<Harness> {
  const registry = new Registry();
  const metrics = createConsumerMetrics(registry);
  // Kafka as the hub would read it: every record ever published.
  const history = new MemoryTopicHistory(2);
  const hub = new StreamHub({
    replaySize: 100,
    maxClients: 10,
    maxClientBufferBytes: 1024 * 1024,
    keepAliveMs: 60_000,
    retryMs: RETRY_MS,
    maxCatchUps: 10,
    history,
    ...options,
    metrics,
    logger: createLogger('t', 'silent'),
  });
  const publish = hub.publish.bind(hub);
  hub.publish = (records) => {
    history.add(records);
    publish(records);
  };
  const server = http.createServer((req, res) => {
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    const header = params.get('header')?.split(':');
    const format = params.get('format');
    void hub.connect(req, res, {
      key: params.get('key') ?? undefined,
      header: header ? { name: header[0] ?? '', value: header.slice(1).join(':') } : undefined,
      format: format === 'json' || format === 'cloudevents' ? format : undefined,
    });
    afterConnect?.(hub);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  // No connection reuse: each stream owns its socket, so ending one never touches another.
  const agent = new http.Agent({ keepAlive: false });
  cleanups.push(async () => {
    hub.closeAll();
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const open = async (path = '/messages', headers: OutgoingHttpHeaders = {}): Promise<Stream> => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent });
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.setEncoding('utf8');
    const stream: Stream = {
      res,
      text: '',
      ended: false,
      closed: false,
      events: () => parseEvents(stream.text),
      close: () => req.destroy(),
    };
    res.on('data', (chunk: string) => {
      stream.text += chunk;
    });
    res.on('end', () => {
      stream.ended = true;
    });
    res.on('close', () => {
      stream.closed = true;
    });
    res.on('error', () => {});
    req.on('error', () => {});
    cleanups.push(() => {
      req.destroy();
    });
    return stream;
  };

  const connect = async (path?: string, headers?: OutgoingHttpHeaders): Promise<Stream> => {
    const before = hub.clientCount;
    const stream = await open(path, headers);
    await vi.waitFor(() => expect(hub.clientCount).toBe(before + 1));
    return stream;
  };

  const metric = async (name: string): Promise<number> => {
    const found = registry.getSingleMetric(name);
    if (!found) throw new Error(`no metric ${name}`);
    const { values } = await found.get();
    return values.reduce((sum, v) => sum + v.value, 0);
  };

  return { hub, history, registry, metrics, port, open, connect, metric };
}

/** Publishes a marker and waits for it: everything written before it has then arrived too. */
async function settle(
  hub: StreamHub,
  streams: readonly Stream[],
  marker: StreamRecord,
): Promise<void> {
  hub.publish([marker]);
  await vi.waitFor(() => {
    for (const s of streams) expect(s.text).toContain(`data:${marker.value}\n`);
  });
}

const ids = (stream: Stream): Array<string | undefined> => stream.events().map((e) => e.id);

describe('StreamHub', () => {
  it('sends a new client the retry hint, then the whole buffer, as text/event-stream', async () => {
    const h = await startHub();
    h.hub.publish([rec(0, 0, 'a'), rec(1, 0, 'b')]);
    const stream = await h.connect();
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
    await vi.waitFor(() => expect(stream.text).toContain('data:b\n\n'));
    expect(stream.text).toBe(`retry:${RETRY_MS}\n\nid:0:0\ndata:a\n\nid:1:0,0:0\ndata:b\n\n`);
    expect(await h.metric('sse_events_sent_total')).toBe(2);
    expect(await h.metric('sse_clients')).toBe(1);
  });

  it('sends a new client nothing but the retry hint while the buffer is empty, then live events', async () => {
    const h = await startHub();
    const stream = await h.connect();
    await vi.waitFor(() => expect(stream.text).toBe(`retry:${RETRY_MS}\n\n`));
    h.hub.publish([rec(0, 7, 'live')]);
    await vi.waitFor(() => expect(stream.text).toBe(`retry:${RETRY_MS}\n\nid:0:7\ndata:live\n\n`));
  });

  describe('resuming', () => {
    const history = [rec(0, 0), rec(1, 0), rec(0, 1), rec(1, 1), rec(0, 2)];

    it.each([
      [
        'the Last-Event-ID header',
        (id: string) => ({ path: '/messages', headers: { 'Last-Event-ID': id } }),
      ],
      [
        'the lastEventId query parameter',
        (id: string) => ({ path: `/messages?lastEventId=${encodeURIComponent(id)}`, headers: {} }),
      ],
    ])(
      'from %s replays only what the client lacks, then live, with no duplicate',
      async (_how, request) => {
        const h = await startHub();
        h.hub.publish(history);
        const first = await h.connect();
        await vi.waitFor(() => expect(first.events()).toHaveLength(history.length));
        const resumeFrom = first.events()[1]?.id ?? '';
        expect(resumeFrom).toBe('1:0,0:0');
        const { path, headers } = request(resumeFrom);
        const stream = await h.connect(path, headers);
        await settle(h.hub, [stream], rec(1, 2, 'live'));
        expect(ids(stream)).toEqual(['0:1,1:0', '1:1,0:1', '0:2,1:1', '1:2,0:2']);
        expect(stream.events().some((e) => e.type === GAP_EVENT)).toBe(false);
      },
    );

    it('gives a client whose id is malformed the whole buffer', async () => {
      const h = await startHub();
      h.hub.publish(history);
      const stream = await h.connect('/messages', { 'Last-Event-ID': '0:1,0:2' });
      await settle(h.hub, [stream], rec(0, 3, 'live'));
      expect(ids(stream)).toEqual(['0:0', '1:0,0:0', '0:1,1:0', '1:1,0:1', '0:2,1:1', '0:3,1:1']);
      expect(stream.events().some((e) => e.type === GAP_EVENT)).toBe(false);
    });

    it('reads what a client lacks from Kafka when the buffer no longer holds it: no gap', async () => {
      const h = await startHub({ replaySize: 2 });
      h.hub.publish([rec(0, 0), rec(0, 1), rec(0, 2), rec(0, 3)]);
      const stream = await h.open('/messages', { 'Last-Event-ID': '0:0' });
      await vi.waitFor(() => expect(h.hub.clientCount).toBe(1));
      await settle(h.hub, [stream], rec(0, 4, 'live'));
      expect(ids(stream)).toEqual(['0:1', '0:2', '0:3', '0:4']);
      expect(stream.events().some((e) => e.type === GAP_EVENT)).toBe(false);
    });

    it('tells a client of a gap only when Kafka no longer holds what it lacks, with the position it goes on from', async () => {
      const h = await startHub({ replaySize: 2 });
      h.hub.publish([rec(0, 0), rec(0, 1), rec(0, 2), rec(0, 3)]);
      h.history.low.set(0, 2n);
      const stream = await h.open('/messages', { 'Last-Event-ID': '0:0' });
      await vi.waitFor(() => expect(stream.text).toContain('id:0:3\n'));
      const events = stream.events();
      expect(events[0]?.type).toBe(GAP_EVENT);
      expect(events[0]?.id).toBe('0:1');
      expect(events[0]?.data).toContain('partition 0 at offset 2 (1 to 1 are gone)');
      expect(events.slice(1).map((e) => e.id)).toEqual(['0:2', '0:3']);
    });

    it('sends a client that is up to date nothing until something new arrives', async () => {
      const h = await startHub();
      h.hub.publish(history);
      const stream = await h.connect('/messages', { 'Last-Event-ID': '0:2,1:1' });
      await settle(h.hub, [stream], rec(0, 3, 'live'));
      expect(ids(stream)).toEqual(['0:3,1:1']);
    });
  });

  it('sends each live batch to every client once', async () => {
    const h = await startHub();
    const a = await h.connect();
    const b = await h.connect();
    h.hub.publish([rec(0, 0, 'one'), rec(0, 1, 'two')]);
    h.hub.publish([rec(0, 1, 'two again'), rec(1, 0, 'three')]);
    await settle(h.hub, [a, b], rec(0, 2, 'end'));
    for (const stream of [a, b]) {
      expect(stream.events().map((e) => e.data)).toEqual(['one', 'two', 'three', 'end']);
    }
    expect(await h.metric('sse_events_sent_total')).toBe(8);
    expect(await h.metric('kafka_records_consumed_total')).toBe(4);
    expect(await h.metric('sse_replay_buffer_records')).toBe(4);
  });

  describe('filtered by key', () => {
    const keyed = (
      partition: number,
      offset: number,
      key: string | null,
      value: string,
    ): StreamRecord => ({ ...rec(partition, offset, value), key });

    it('streams, replays and resumes only the records of its key, with ids that are positions in the whole topic', async () => {
      const h = await startHub();
      h.hub.publish([
        keyed(0, 0, 'order-7', 'a'),
        keyed(0, 1, 'order-8', 'b'),
        keyed(1, 0, 'order-7', 'c'),
      ]);
      const filtered = await h.connect('/messages?key=order-7');
      const other = await h.connect('/messages?key=order-7');
      const all = await h.connect();
      h.hub.publish([keyed(0, 2, null, 'd'), keyed(0, 3, 'order-7', 'e')]);
      await settle(h.hub, [all], keyed(1, 1, 'order-7', 'end'));
      await vi.waitFor(() => expect(filtered.text).toContain('data:end\n'));
      for (const stream of [filtered, other]) {
        expect(stream.events().map((e) => e.data)).toEqual(['a', 'c', 'e', 'end']);
        expect(ids(stream)).toEqual(['0:0', '1:0,0:1', '0:3,1:0', '1:1,0:3']);
      }
      expect(all.events().map((e) => e.data)).toEqual(['a', 'b', 'c', 'd', 'e', 'end']);
      // Resuming from the id of its "c": the later records of its key only, no gap.
      const resumed = await h.connect('/messages?key=order-7', { 'Last-Event-ID': '1:0,0:1' });
      await vi.waitFor(() => expect(resumed.text).toContain('data:end\n'));
      expect(resumed.events().map((e) => e.data)).toEqual(['e', 'end']);
    });

    it('encodes a batch once per key, however many clients share it', async () => {
      const h = await startHub({ maxClients: 20 });
      const streams: Stream[] = [];
      for (let i = 0; i < 6; i++)
        streams.push(await h.connect(i % 2 === 0 ? '/messages?key=k' : '/messages'));
      const writes: unknown[] = [];
      // The hub writes each client's socket directly (the response's framing, built once).
      const write = net.Socket.prototype.write;
      const spy = vi.spyOn(net.Socket.prototype, 'write').mockImplementation(function (
        this: net.Socket,
        ...args: Parameters<typeof write>
      ) {
        writes.push(args[0]);
        return write.apply(this, args);
      });
      h.hub.publish([keyed(0, 0, 'k', 'x'), keyed(0, 1, 'j', 'y')]);
      // One write per client, of one of two Buffers: the batch of all, and that of key k. The
      // pass may be paced to a little later on a busy machine.
      await vi.waitFor(() => expect(writes).toHaveLength(6));
      spy.mockRestore();
      expect(writes.every((w) => Buffer.isBuffer(w))).toBe(true);
      expect(new Set(writes).size).toBe(2);
      await settle(h.hub, streams, keyed(0, 2, 'k', 'z'));
      expect(streams[0]?.events().map((e) => e.data)).toEqual(['x', 'z']);
      expect(streams[1]?.events().map((e) => e.data)).toEqual(['x', 'y', 'z']);
    });
  });

  describe('filtered by header, and in other formats', () => {
    const headed = (
      offset: number,
      key: string | null,
      headers: StreamRecord['headers'],
      value: string,
    ): StreamRecord => ({ ...rec(0, offset, value), key, headers });

    it('streams, replays and resumes by header equality, alone or with a key, names in any case', async () => {
      const h = await startHub();
      h.hub.publish([
        headed(0, 'a', { tenant: ['t1'] }, 'one'),
        headed(1, 'b', { Tenant: ['t2', 't1'] }, 'two'),
        headed(2, 'a', { tenant: ['t2'] }, 'three'),
      ]);
      const byHeader = await h.connect('/messages?header=TENANT:t1');
      const both = await h.connect('/messages?header=tenant:t1&key=a');
      const all = await h.connect();
      h.hub.publish([
        headed(3, 'a', undefined, 'four'),
        headed(4, 'a', { tenant: ['t1'] }, 'five'),
      ]);
      await settle(h.hub, [all], headed(5, 'a', { tenant: ['t1'] }, 'end'));
      await vi.waitFor(() => expect(both.text).toContain('data:end\n'));
      await vi.waitFor(() => expect(byHeader.text).toContain('data:end\n'));
      expect(byHeader.events().map((e) => e.data)).toEqual(['one', 'two', 'five', 'end']);
      expect(both.events().map((e) => e.data)).toEqual(['one', 'five', 'end']);
      const resumed = await h.connect('/messages?header=tenant:t1', { 'Last-Event-ID': '0:1' });
      await vi.waitFor(() => expect(resumed.text).toContain('data:end\n'));
      expect(resumed.events().map((e) => e.data)).toEqual(['five', 'end']);
    });

    it('sends ?format=json and ?format=cloudevents events with the same ids, one encoding per filter and format', async () => {
      const h = await startHub();
      h.hub.publish([
        headed(
          0,
          'k',
          { 'content-type': ['text/plain'], traceparent: ['00-aa-bb-01'] },
          'multi\nline',
        ),
      ]);
      const streams: Stream[] = [];
      for (const path of [
        '/messages?format=json',
        '/messages?format=json',
        '/messages?format=cloudevents',
        '/messages',
      ])
        streams.push(await h.connect(path));
      const writes: unknown[] = [];
      const write = net.Socket.prototype.write;
      const spy = vi.spyOn(net.Socket.prototype, 'write').mockImplementation(function (
        this: net.Socket,
        ...args: Parameters<typeof write>
      ) {
        writes.push(args[0]);
        return write.apply(this, args);
      });
      h.hub.publish([headed(1, null, undefined, 'second')]);
      // The pass may be paced to a little later (a busy machine): its four writes, whenever it runs.
      await vi.waitFor(() => expect(writes).toHaveLength(4));
      spy.mockRestore();
      expect(new Set(writes).size).toBe(3);
      h.hub.publish([headed(2, null, undefined, 'end')]);
      await vi.waitFor(() =>
        expect(streams.every((s) => s.events().at(-1)?.id === '0:2')).toBe(true),
      );
      const [json, json2, ce, text] = streams.map((s) => s.events());
      expect(json?.map((e) => e.id)).toEqual(text?.map((e) => e.id));
      expect(ce?.map((e) => e.id)).toEqual(text?.map((e) => e.id));
      expect(json2?.map((e) => e.data)).toEqual(json?.map((e) => e.data));
      expect(JSON.parse(json?.[0]?.data ?? '')).toEqual({
        topic: 't',
        partition: 0,
        offset: '0',
        timestamp: new Date(0).toISOString(),
        key: 'k',
        headers: { 'content-type': ['text/plain'], traceparent: ['00-aa-bb-01'] },
        valueEncoding: 'utf8',
        value: 'multi\nline',
      });
      expect(JSON.parse(ce?.[0]?.data ?? '')).toMatchObject({
        specversion: '1.0',
        id: '0:0',
        source: '/topics/t',
        type: 'demo-kafka.record',
        partitionkey: 'k',
        traceparent: '00-aa-bb-01',
        datacontenttype: 'text/plain',
        data: 'multi\nline',
      });
      expect(text?.[0]?.data).toBe('multi\nline');
    });
  });

  it('writes an HTTP/1.0 client (no chunked encoding) the events without chunk framing', async () => {
    const h = await startHub();
    h.hub.publish([rec(0, 0, 'replayed')]);
    const socket = net.connect(h.port, '127.0.0.1');
    cleanups.push(() => {
      socket.destroy();
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.write('GET /messages HTTP/1.0\r\n\r\n');
    await vi.waitFor(() => expect(h.hub.clientCount).toBe(1));
    h.hub.publish([rec(0, 1, 'live')]);
    await vi.waitFor(() => expect(text).toContain('data:live\n\n'));
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe(
      `retry:${RETRY_MS}\n\nid:0:0\ndata:replayed\n\nid:0:1\ndata:live\n\n`,
    );
  });

  it('has no room once maxClients are connected, and room again when one leaves', async () => {
    const h = await startHub({ maxClients: 2 });
    expect(h.hub.hasRoom()).toBe(true);
    const a = await h.connect();
    expect(h.hub.hasRoom()).toBe(true);
    await h.connect();
    expect(h.hub.hasRoom()).toBe(false);
    expect(await h.metric('sse_clients')).toBe(2);
    a.close();
    await vi.waitFor(() => expect(h.hub.clientCount).toBe(1));
    expect(h.hub.hasRoom()).toBe(true);
    expect(await h.metric('sse_clients')).toBe(1);
  });

  it('disconnects a client that stops reading, and keeps serving one that reads', async () => {
    const maxClientBufferBytes = 64 * 1024;
    const h = await startHub({ maxClientBufferBytes, replaySize: 10 });
    const reader = await h.connect();

    const slow = net.connect(h.port, '127.0.0.1');
    slow.on('error', () => {});
    cleanups.push(() => {
      slow.destroy();
    });
    await once(slow, 'connect');
    slow.write('GET /messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    // Never read: the kernel buffers fill, then the response's own queue grows.
    slow.pause();
    await vi.waitFor(() => expect(h.hub.clientCount).toBe(2));
    const slowClosed = once(slow, 'close');

    // Each batch stays well under the bound, so a client that keeps reading never reaches it.
    const value = 'x'.repeat(8 * 1024);
    let offset = 0;
    const published: string[] = [];
    // Loopback buffers can hold several MB; stop once the slow client is dropped (or clearly never will be).
    while ((await h.metric('sse_slow_client_disconnects_total')) === 0 && offset < 20_000) {
      const batch = Array.from({ length: 6 }, () => rec(0, offset++, value));
      h.hub.publish(batch);
      published.push(...batch.map((r) => `0:${r.offset}`));
      // The reading client shares this event loop: let it take each batch before the next.
      const last = `id:0:${offset - 1}\ndata:${value}\n\n`;
      await vi.waitFor(() => expect(reader.text.endsWith(last)).toBe(true), {
        interval: 1,
        timeout: 2_000,
      });
    }

    expect(await h.metric('sse_slow_client_disconnects_total')).toBe(1);
    expect(h.hub.clientCount).toBe(1);
    expect(await h.metric('sse_clients')).toBe(1);
    slow.resume();
    await slowClosed;

    await settle(h.hub, [reader], rec(1, 0, 'after'));
    expect(reader.closed).toBe(false);
    expect(ids(reader)).toEqual([...published, `1:0,0:${offset - 1}`]);
    expect(await h.metric('sse_slow_client_disconnects_total')).toBe(1);
  }, 20_000);

  // Slowness is judged by what a client has not taken before the next write, so a replay (or one
  // consumed batch) bigger than the bound must not drop a client that reads as fast as it can.
  it('does not drop a client that reads promptly when its replay is larger than the bound', async () => {
    const h = await startHub({ maxClientBufferBytes: 64 * 1024, replaySize: 1000 });
    const value = 'y'.repeat(2 * 1024);
    h.hub.publish(Array.from({ length: 1000 }, (_, i) => rec(0, i, value)));
    const stream = await h.open();
    const last = `id:0:999\ndata:${value}\n\n`;
    await vi.waitFor(() => expect(stream.closed || stream.text.endsWith(last)).toBe(true), {
      interval: 5,
      timeout: 3_000,
    });
    expect(await h.metric('sse_slow_client_disconnects_total')).toBe(0);
    expect(stream.closed).toBe(false);
    expect(stream.events()).toHaveLength(1000);
  });

  it('keeps the encoded replays it shares under a byte bound when clients resume from many places', async () => {
    const h = await startHub({ replaySize: 1000, maxClientBufferBytes: 64 * 1024 * 1024 });
    const value = 'z'.repeat(8 * 1024);
    h.hub.publish(Array.from({ length: 1000 }, (_, i) => rec(0, i, value)));
    // Eight distinct positions, each replay ~8 MB: 64 MB if every one were kept.
    const streams: Stream[] = [];
    for (let from = 0; from < 8; from++) {
      streams.push(await h.connect('/messages', { 'Last-Event-ID': `0:${from}` }));
      expect(h.hub.cachedReplayBytes).toBeLessThanOrEqual(MAX_CACHED_REPLAY_BYTES);
    }
    expect(h.hub.cachedReplayBytes).toBeGreaterThan(0);
    const last = `id:0:999\ndata:${value}\n\n`;
    await vi.waitFor(() => expect(streams.every((s) => s.text.endsWith(last))).toBe(true), {
      interval: 10,
      timeout: 10_000,
    });
    expect(streams.map((s) => s.events().length)).toEqual([999, 998, 997, 996, 995, 994, 993, 992]);
  });

  it('sends a client whose id is ahead of this replica only records past its own position', async () => {
    const h = await startHub();
    h.hub.publish([rec(0, 0), rec(0, 1), rec(1, 0), rec(1, 1), rec(1, 2)]);
    // Another replica had reached p0:4 (Kafka holds it); this one has p1 further than the client.
    h.history.add([rec(0, 2), rec(0, 3), rec(0, 4)]);
    const stream = await h.connect('/messages', { 'Last-Event-ID': '0:4,1:0' });
    h.hub.publish([rec(0, 2), rec(0, 3), rec(0, 4), rec(1, 3)]);
    await settle(h.hub, [stream], rec(0, 5, 'caught up'));
    // Its ids keep its own p0:4 where it is ahead, so resuming from any of them repeats nothing.
    expect(ids(stream)).toEqual(['1:1,0:4', '1:2,0:4', '1:3,0:4', '0:5,1:3']);
  });

  it('answers an id past the end of what Kafka holds (the topic was recreated) with a gap, then every record there is', async () => {
    const h = await startHub();
    h.hub.publish([rec(0, 0), rec(0, 1)]);
    const stream = await h.connect('/messages', { 'Last-Event-ID': '0:900,1:7' });
    await settle(h.hub, [stream], rec(0, 2, 'live'));
    const events = stream.events();
    expect(events[0]?.type).toBe(GAP_EVENT);
    expect(events[0]?.data).toContain('past the end');
    // Its id names nothing received: an EventSource that reconnects now starts afresh.
    expect(events[0]?.id).toBe('');
    expect(events.slice(1).map((e) => e.id)).toEqual(['0:0', '0:1', '0:2']);
  });

  it('drops the partitions the topic does not have from an id, so its events carry ids of normal length', async () => {
    const h = await startHub();
    h.hub.publish([rec(0, 0), rec(1, 0), rec(0, 1)]);
    const named = Array.from({ length: 700 }, (_, p) => `${p}:0`).join(',');
    const stream = await h.connect('/messages', { 'Last-Event-ID': named });
    await settle(h.hub, [stream], rec(1, 1, 'live'));
    expect(ids(stream)).toEqual(['0:1,1:0', '1:1,0:1']);
  });

  it('refuses a resume that needs Kafka while maxCatchUps are running, and serves a new client', async () => {
    const h = await startHub({ replaySize: 2, maxCatchUps: 0 });
    h.hub.publish([rec(0, 0), rec(0, 1), rec(0, 2), rec(0, 3)]);
    await expect(
      h.hub.connect(
        { headers: { 'last-event-id': '0:0' }, url: '/messages' } as unknown as IncomingMessage,
        {} as ServerResponse,
      ),
    ).rejects.toBeInstanceOf(CatchUpsFullError);
    expect(await h.metric('sse_refused_catch_ups_total')).toBe(1);
    const fresh = await h.connect();
    await settle(h.hub, [fresh], rec(0, 4, 'live'));
    expect(ids(fresh)).toEqual(['0:2', '0:3', '0:4']);
  });

  it('sends keep-alive comments on an idle stream', async () => {
    const h = await startHub({ keepAliveMs: 50 });
    const stream = await h.connect();
    await vi.waitFor(
      () => expect(stream.text.match(/^:\n\n/gm)?.length ?? 0).toBeGreaterThanOrEqual(3),
      { timeout: 2_000 },
    );
    expect(stream.text).toMatch(new RegExp(`^retry:${RETRY_MS}\n\n(:\n\n)+$`));
    expect(stream.events()).toEqual([]);
  });

  it('closeAll ends every stream and forgets its clients', async () => {
    const h = await startHub();
    h.hub.publish([rec(0, 0, 'kept')]);
    const a = await h.connect();
    const b = await h.connect();
    h.hub.closeAll();
    await vi.waitFor(() => {
      expect(a.ended).toBe(true);
      expect(b.ended).toBe(true);
    });
    expect(h.hub.clientCount).toBe(0);
    expect(h.hub.hasRoom()).toBe(true);
    expect(await h.metric('sse_clients')).toBe(0);
    expect(a.text).toContain('data:kept\n');
    // Publishing after shutdown must neither throw nor count sends to ended streams.
    const sentBefore = await h.metric('sse_events_sent_total');
    h.hub.publish([rec(0, 1, 'late')]);
    expect(await h.metric('sse_events_sent_total')).toBe(sentBefore);
  });

  it('ends a stream still being set up when closeAll ran, so shutdown is not held up by it', async () => {
    const h = await startHub({}, (hub) => hub.closeAll());
    h.hub.publish([rec(0, 0, 'kept')]);
    const stream = await h.open();
    await vi.waitFor(() => expect(stream.ended).toBe(true));
    expect(h.hub.clientCount).toBe(0);
    expect(await h.metric('sse_clients')).toBe(0);
  });
});
