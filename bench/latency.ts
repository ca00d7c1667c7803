import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from '@demo-kafka/kafka-client';
import { loadKafkaBinding } from '@demo-kafka/config';
import { listen } from './sse-listener.js';
import { percentile, sleep } from './stats.js';

export interface LatencyResult {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Messages the sender managed per second (it may fall short of the target on 2 cores). */
  readonly sentPerSecond: number;
  /** Deliveries seen / deliveries expected (messages x clients). */
  readonly delivered: number;
}

/** Sends at `rate` per second for `seconds`, calling `send(body)` without awaiting each in turn. */
async function sendAtRate(
  rate: number,
  seconds: number,
  send: (body: string) => Promise<void>,
  stamp: Map<string, number>,
  runId: string,
): Promise<number> {
  const tickMs = 10;
  const perTick = rate / (1000 / tickMs);
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  let due = 0;
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    due += perTick;
    while (due >= 1) {
      due -= 1;
      const body = `${runId}:${sent++}`;
      stamp.set(body, performance.now());
      inFlight.push(send(body).catch(() => {}));
    }
    await sleep(tickMs);
  }
  await Promise.all(inFlight);
  return sent / ((performance.now() - started) / 1000);
}

function summarise(latencies: number[], sentPerSecond: number, expected: number): LatencyResult {
  return {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    sentPerSecond,
    delivered: expected === 0 ? 0 : latencies.length / expected,
  };
}

/** POST to the producer -> SSE event at each of `clients` consumer clients. */
export async function postToSseLatency(
  producerUrl: string,
  consumerUrl: string,
  rate: number,
  clients: number,
  seconds: number,
): Promise<LatencyResult> {
  const runId = randomUUID();
  const stamp = new Map<string, number>();
  const latencies: number[] = [];
  const listeners = await Promise.all(
    Array.from({ length: clients }, () =>
      listen(`${consumerUrl}/messages`, (data) => {
        const sentAt = stamp.get(data);
        if (sentAt !== undefined) latencies.push(performance.now() - sentAt);
      }),
    ),
  );
  await sleep(300);
  const sentPerSecond = await sendAtRate(
    rate,
    seconds,
    async (body) => {
      const res = await fetch(`${producerUrl}/messages`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'text/plain' },
      });
      await res.arrayBuffer();
    },
    stamp,
    runId,
  );
  await sleep(1500);
  listeners.forEach((l) => {
    l.close();
  });
  return summarise(latencies, sentPerSecond, stamp.size * clients);
}

/** The baseline: kafkajs producer -> kafkajs consumer, no HTTP, at the same rate. */
export async function rawKafkaLatency(
  bindingDir: string,
  topic: string,
  rate: number,
  seconds: number,
): Promise<LatencyResult> {
  const binding = loadKafkaBinding(
    { KAFKA_BINDING_DIR: bindingDir },
    { topic, groupId: `bench-${randomUUID()}`, clientId: 'bench-raw-latency' },
  );
  const kafka = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING }));
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  const consumer = kafka.consumer({ groupId: binding.groupId, maxWaitTimeInMs: 100 });
  await producer.connect();
  await producer.send({ topic: binding.topic, acks: -1, messages: [{ value: 'warm-up' }] });
  await consumer.connect();
  await consumer.subscribe({ topic: binding.topic, fromBeginning: false });
  const runId = randomUUID();
  const stamp = new Map<string, number>();
  const latencies: number[] = [];
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const sentAt = stamp.get(message.value?.toString() ?? '');
      if (sentAt !== undefined) latencies.push(performance.now() - sentAt);
    },
  });
  while (!assigned) await sleep(50);
  await sleep(500);
  const sentPerSecond = await sendAtRate(
    rate,
    seconds,
    async (body) => {
      await producer.send({ topic: binding.topic, acks: -1, messages: [{ value: body }] });
    },
    stamp,
    runId,
  );
  await sleep(1500);
  await consumer.disconnect();
  await producer.disconnect();
  return summarise(latencies, sentPerSecond, stamp.size);
}
