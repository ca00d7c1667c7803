import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SSE_CLIENTS_ATTRIBUTE } from '../apps/consumer/src/tracing/record-spans.js';
import { FILL_CONNECTIONS } from '../apps/producer/src/cluster/fill-first.js';
import {
  SPAN_KIND,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from './support/otlp-receiver.js';
import { readTopic } from './support/read-topic.js';
import { readyz } from './support/rotating-binding.js';
import { spawnApp, type SpawnedApp } from './support/spawn-app.js';
import { openStream, type SseStream } from './support/sse-client.js';
import { waitFor } from './support/wait-for.js';

const kafka = inject('kafka');

const PRODUCER = 'demo-kafka-producer';
const CONSUMER = 'demo-kafka-consumer';

describe('traces: POST -> producer span -> record traceparent -> consumer span, over OTLP/HTTP JSON', () => {
  let receiver: OtlpReceiver;
  let producer: SpawnedApp;
  let consumer: SpawnedApp;
  let stream: SseStream;
  const TOPIC = `traced-${randomUUID()}`;
  const topic = `${kafka.topicPrefix}${TOPIC}`;

  /** Only standard variables: the exporter, its wire protocol and endpoint, a short export delay. */
  const otelEnv = (): Record<string, string> => ({
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '50',
  });

  async function waitUntilReady(app: SpawnedApp): Promise<void> {
    let status = '';
    const poll = setInterval(
      () =>
        void readyz(app.url).then(
          (r) => (status = r.status),
          () => {},
        ),
      100,
    );
    try {
      await waitFor(
        () => status === 'ready',
        20_000,
        () => app.output(),
      );
    } finally {
      clearInterval(poll);
    }
  }

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const otel = otelEnv();
    [producer, consumer] = await Promise.all([
      spawnApp('producer', { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC, WORKERS: '1', ...otel }),
      spawnApp('consumer', { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC, ...otel }),
    ]);
    await Promise.all([waitUntilReady(producer), waitUntilReady(consumer)]);
    stream = await openStream(`${consumer.url}/messages`);
  });

  afterAll(async () => {
    stream?.close();
    producer?.kill();
    consumer?.kill();
    await receiver?.close();
  });

  const spansOf = (traceId: string): ReceivedSpan[] =>
    receiver.spans().filter((s) => s.traceId === traceId);

  /** Posts `value`, waits until the stream delivered it, and returns the record's traceparent header as Kafka holds it. */
  async function postAndStream(
    value: string,
    headers: Record<string, string> = {},
  ): Promise<{
    partition: number;
    offset: string;
    traceparent: string;
    tracestate: string | undefined;
  }> {
    const res = await fetch(`${producer.url}/messages`, {
      method: 'POST',
      body: value,
      headers: { 'Content-Type': 'text/plain', Accept: 'application/json', ...headers },
    });
    expect(res.status).toBe(200);
    const ack = (await res.json()) as { partition: number; offset: string };
    await waitFor(
      () => stream.events().some((e) => e.data === value),
      15_000,
      () => stream.raw(),
    );
    const [record] = (
      await readTopic(kafka.bindingDir, topic, (rs) =>
        rs.some((r) => r.value?.toString() === value),
      )
    ).filter((r) => r.value?.toString() === value);
    const tracestate = record?.headers?.tracestate;
    return {
      ...ack,
      traceparent: String(record?.headers?.traceparent ?? ''),
      tracestate: tracestate === undefined ? undefined : String(tracestate),
    };
  }

  /** The trace's server, producer and consumer spans, once all three were exported. */
  async function traceOf(
    traceId: string,
  ): Promise<{ server: ReceivedSpan; send: ReceivedSpan; process: ReceivedSpan }> {
    const find = (kind: number): ReceivedSpan | undefined =>
      spansOf(traceId).find((s) => s.kind === kind);
    await waitFor(
      () => [SPAN_KIND.server, SPAN_KIND.producer, SPAN_KIND.consumer].every((kind) => find(kind)),
      15_000,
      () => JSON.stringify(spansOf(traceId)),
    );
    return {
      server: find(SPAN_KIND.server) as ReceivedSpan,
      send: find(SPAN_KIND.producer) as ReceivedSpan,
      process: find(SPAN_KIND.consumer) as ReceivedSpan,
    };
  }

  it("continues a POST's traceparent end to end: one trace id, each span the child of the one before", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const ack = await postAndStream(`traced-${randomUUID()}`, {
      traceparent: `00-${traceId}-${callerSpan}-01`,
      tracestate: 'vendor=1',
    });
    const { server, send, process } = await traceOf(traceId);

    expect(server).toMatchObject({
      service: PRODUCER,
      parentSpanId: callerSpan,
      name: 'POST /messages',
    });
    expect(server.attributes['http.route']).toBe('/messages');
    expect(send).toMatchObject({
      service: PRODUCER,
      parentSpanId: server.spanId,
      name: `send ${topic}`,
    });
    expect(send.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(ack.partition),
      'messaging.kafka.offset': Number(ack.offset),
    });
    // The record carries the producer span's context, not the caller's, and the caller's tracestate.
    expect(ack.traceparent).toBe(`00-${traceId}-${send.spanId}-01`);
    expect(ack.tracestate).toBe('vendor=1');
    expect(process).toMatchObject({
      service: CONSUMER,
      parentSpanId: send.spanId,
      name: `process ${topic}`,
    });
    expect(process.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(ack.partition),
      'messaging.kafka.offset': Number(ack.offset),
      [SSE_CLIENTS_ATTRIBUTE]: 1,
    });
    expect(String(process.attributes['messaging.consumer.group.name'])).toMatch(
      new RegExp(`^${kafka.topicPrefix}`),
    );
  });

  it('starts a trace at the producer for a POST without a traceparent, and the consumer continues it', async () => {
    const before = receiver.spans().length;
    const ack = await postAndStream(`untraced-${randomUUID()}`);
    const traceId = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(ack.traceparent)?.[1] ?? '';
    expect(traceId).not.toBe('');
    const { server, send, process } = await traceOf(traceId);
    expect(server.parentSpanId).toBe('');
    expect(
      receiver
        .spans()
        .slice(0, before)
        .some((s) => s.traceId === traceId),
    ).toBe(false);
    expect(send.parentSpanId).toBe(server.spanId);
    expect(process.parentSpanId).toBe(send.spanId);
  });

  it('traces in every worker when the producer runs several (node:cluster)', async () => {
    const workers = await spawnApp('producer', {
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC,
      WORKERS: '2',
      ...otelEnv(),
    });
    // The primary fills the first worker with connections before the second gets any: these idle
    // ones leave room for 3 of the POSTs' 6 connections in the first, so each worker serves some.
    const idle: Socket[] = [];
    try {
      await waitUntilReady(workers);
      for (let i = 0; i < FILL_CONNECTIONS - 3; i++) {
        const socket = connect(workers.port, '127.0.0.1');
        idle.push(socket);
        await new Promise((resolve) => socket.once('connect', resolve));
      }
      const traceIds = Array.from({ length: 6 }, () => randomBytes(16).toString('hex'));
      await Promise.all(
        traceIds.map(async (traceId) => {
          const res = await fetch(`${workers.url}/messages`, {
            method: 'POST',
            body: traceId,
            headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
          });
          expect(res.status).toBe(200);
        }),
      );
      await waitFor(
        () => traceIds.every((id) => spansOf(id).some((s) => s.kind === SPAN_KIND.producer)),
        15_000,
        () => workers.output(),
      );
      for (const id of traceIds)
        expect(spansOf(id).find((s) => s.kind === SPAN_KIND.producer)?.parentSpanId).toBe(
          spansOf(id).find((s) => s.kind === SPAN_KIND.server)?.spanId,
        );
      // Only the producer's spans: the suite's consumer may have exported its own for these records by now.
      const producerSpans = traceIds
        .flatMap(spansOf)
        .filter((s) => s.kind === SPAN_KIND.server || s.kind === SPAN_KIND.producer);
      expect(new Set(producerSpans.map((s) => s.pid)).size).toBe(2);
    } finally {
      for (const socket of idle) socket.destroy();
      workers.kill();
    }
  });

  it('traces no probe or scrape, exports nothing malformed, and logs no trace header', () => {
    const servers = receiver.spans().filter((s) => s.kind === SPAN_KIND.server);
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.map((s) => s.attributes['http.route'])).toEqual(servers.map(() => '/messages'));
    expect(
      receiver.spans().filter((s) => s.service === CONSUMER && s.kind !== SPAN_KIND.consumer),
    ).toEqual([]);
    expect(receiver.requests.bad).toBe(0);
    for (const app of [producer, consumer]) {
      expect(app.output()).toContain('tracing on');
      expect(app.output()).not.toMatch(/traceparent|tracestate|vendor=1/);
    }
  });
});
