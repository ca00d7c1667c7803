import { Kafka, logLevel } from '@demo-kafka/app-kit';
import { loadKafkaBinding } from '@demo-kafka/config';

/**
 * The Kafka baseline: `concurrency` loops each awaiting one kafkajs `send()` per message
 * (acks=all), as an app without coalescing would. Returns acknowledged messages per second.
 */
export async function rawKafkajsPerSecond(bindingDir: string, topic: string, concurrency: number, durationSeconds: number): Promise<number> {
  const binding = loadKafkaBinding({ KAFKA_BINDING_DIR: bindingDir }, { topic, groupId: 'bench-unused', clientId: 'bench-raw-kafkajs' });
  const producer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING })).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic: binding.topic, acks: -1, messages: [{ value: 'warm-up' }] });
  let sent = 0;
  const deadline = Date.now() + durationSeconds * 1000;
  const loop = async (): Promise<void> => {
    while (Date.now() < deadline) {
      await producer.send({ topic: binding.topic, acks: -1, messages: [{ value: 'Hello from the benchmark' }] });
      sent += 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (Date.now() - started) / 1000;
  await producer.disconnect();
  return sent / elapsed;
}
