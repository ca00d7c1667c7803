/**
 * The Kafka path's baselines, run as their own process (so their CPU is nobody else's):
 * `concurrency` loops each awaiting one kafkajs `send()` (acks=all) of `perSend` messages, and
 * pausing `pauseMs` between sends if given (0: back to back).
 * Usage: raw-kafkajs-process.ts <bindingDir> <topic> <perSend> <concurrency> <seconds> [pauseMs] [valueBytes];
 * with RAW_KAFKAJS=upstream, kafkajs as published (none of kafka-client's fixes) instead of
 * kafka-client's patched kafkajs, which the apps use; prints `{ messagesPerSecond, p50Ms, p99Ms, cpuMsPerSend }` (latency of each send) as JSON.
 */
import { loadKafkaBinding } from '@demo-kafka/config';
import { BENCH_BODY } from './http-load.js';
import { percentile } from '../stats.js';

const [
  bindingDir = '',
  topic = '',
  perSend = '1',
  concurrency = '1',
  seconds = '5',
  pauseMs = '0',
  valueBytes = '',
] = process.argv.slice(2);
const binding = loadKafkaBinding(
  { KAFKA_BINDING_DIR: bindingDir },
  { topic, groupId: 'bench-unused', clientId: 'bench-raw-kafkajs' },
);
// Loaded after the choice: importing kafka-client patches kafkajs for the whole process.
const { Kafka, logLevel } =
  process.env.RAW_KAFKAJS === 'upstream'
    ? // biome-ignore lint/style/noRestrictedImports: the baseline is kafkajs as users get it, unpatched.
      await import('kafkajs')
    : await import('@demo-kafka/kafka-client');
const producer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING })).producer({
  allowAutoTopicCreation: true,
});
await producer.connect();
// The HTTP bench's body, or records of `valueBytes` bytes (the batch bench's).
const value = valueBytes === '' ? BENCH_BODY : 'x'.repeat(Number(valueBytes));
const messages = Array.from({ length: Number(perSend) }, () => ({ value }));
const send = () => producer.send({ topic: binding.topic, acks: -1, messages });
for (let i = 0; i < 20; i++) await send(); // warm-up: metadata, connections, JIT

const latencies: number[] = [];
const deadline = performance.now() + Number(seconds) * 1000;
const loop = async (): Promise<void> => {
  while (performance.now() < deadline) {
    const started = performance.now();
    await send();
    latencies.push(performance.now() - started);
    if (Number(pauseMs) > 0) await new Promise((resolve) => setTimeout(resolve, Number(pauseMs)));
  }
};
const cpu = process.cpuUsage();
const started = performance.now();
await Promise.all(Array.from({ length: Number(concurrency) }, loop));
const elapsed = (performance.now() - started) / 1000;
const { user, system } = process.cpuUsage(cpu);
await producer.disconnect();
console.log(
  JSON.stringify({
    messagesPerSecond: (latencies.length * messages.length) / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMsPerSend: (user + system) / 1000 / latencies.length,
  }),
);
