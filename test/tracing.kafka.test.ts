import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readyz } from './support/rotating-binding.js';
import { waitFor } from './support/wait-for.js';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { spawnApp, type SpawnedApp } from './support/spawn-app.js';

const kafka = inject('kafka');

const PRODUCER = 'demo-kafka-producer';

describe('traces: POST -> producer span -> record traceparent -> consumer span, over OTLP/HTTP JSON', () => {
  let receiver: OtlpReceiver;
  let producer: SpawnedApp;
  const TOPIC = `traced-${randomUUID()}`;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // Only standard variables: the exporter, its wire protocol and endpoint, a short export delay.
    const otel = {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    };
    producer = await spawnApp('producer', { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC, WORKERS: '1', ...otel });
    await waitUntilReady(producer);
  });

  afterAll(async () => {
    producer?.kill();
    await receiver?.close();
  });

  async function waitUntilReady(app: SpawnedApp): Promise<void> {
    let status = '';
    const poll = setInterval(() => void readyz(app.url).then((r) => (status = r.status), () => {}), 100);
    try {
      await waitFor(() => status === 'ready', 20_000, () => app.output());
    } finally {
      clearInterval(poll);
    }
  }

  const spansOf = (traceId: string): ReceivedSpan[] => receiver.spans().filter((s) => s.traceId === traceId);

  async function post(value: string, headers: Record<string, string> = {}): Promise<{ partition: number; offset: string }> {
    const res = await fetch(`${producer.url}/messages`, { method: 'POST', body: value, headers: { 'Content-Type': 'text/plain', Accept: 'application/json', ...headers } });
    expect(res.status).toBe(200);
    return (await res.json()) as { partition: number; offset: string };
  }

  it("continues a POST's traceparent: server span, then a producer span per record with the messaging attributes", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const ack = await post(`traced-${randomUUID()}`, { traceparent: `00-${traceId}-${callerSpan}-01` });

    await expect.poll(() => spansOf(traceId).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const server = spansOf(traceId).find((s) => s.kind === SPAN_KIND.server);
    const send = spansOf(traceId).find((s) => s.kind === SPAN_KIND.producer);
    expect(server).toMatchObject({ service: PRODUCER, parentSpanId: callerSpan, name: 'POST /messages' });
    expect(server?.attributes['http.route']).toBe('/messages');
    expect(send).toMatchObject({ service: PRODUCER, parentSpanId: server?.spanId, name: `send ${kafka.topicPrefix}${TOPIC}` });
    expect(send?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': `${kafka.topicPrefix}${TOPIC}`,
      'messaging.destination.partition.id': String(ack.partition),
      'messaging.kafka.offset': Number(ack.offset),
    });
  });

  it('starts a trace at the producer for a POST without a traceparent', async () => {
    const value = `untraced-${randomUUID()}`;
    const before = receiver.spans().length;
    await post(value);
    await expect.poll(() => receiver.spans().slice(before).filter((s) => s.service === PRODUCER).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const server = receiver.spans().slice(before).find((s) => s.kind === SPAN_KIND.server);
    expect(server?.parentSpanId).toBe('');
    const send = spansOf(server?.traceId ?? '').find((s) => s.kind === SPAN_KIND.producer);
    expect(send?.parentSpanId).toBe(server?.spanId);
  });

  it('traces no probe or scrape, and logs no trace header at info', () => {
    const servers = receiver.spans().filter((s) => s.kind === SPAN_KIND.server);
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.map((s) => s.attributes['http.route'])).toEqual(servers.map(() => '/messages'));
    expect(receiver.requests.bad).toBe(0);
    expect(producer.output()).toContain('tracing on');
  });
});
