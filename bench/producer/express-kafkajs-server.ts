/**
 * The floor of an express app that writes to Kafka, run as its own process: express 5 with its
 * defaults and `express.raw`, one kafkajs `send()` (acks=all, kafkajs' defaults otherwise) per
 * `POST /messages`, answered with the body once Kafka acknowledged it. No batching, no
 * idempotence, no timeouts, no metrics: what any app built on the two libraries pays at least.
 * Reads KAFKA_BINDING_DIR and TOPIC as the producer does.
 */
import express from 'express';
import { Kafka, logLevel } from '@demo-kafka/kafka-client';
import { loadKafkaBinding } from '@demo-kafka/config';

const binding = loadKafkaBinding(process.env, {
  topic: process.env.TOPIC ?? 'messages',
  groupId: 'bench-unused',
  clientId: 'bench-express-kafkajs',
});
const producer = new Kafka(binding.kafkaConfig({ logLevel: logLevel.NOTHING })).producer({
  allowAutoTopicCreation: true,
});
await producer.connect();

const app = express();
app.post('/messages', express.raw({ type: () => true }), async (req, res) => {
  await producer.send({
    topic: binding.topic,
    acks: -1,
    messages: [{ value: req.body as Buffer }],
  });
  res.send(req.body);
});
app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => void producer.disconnect().finally(() => process.exit(0)));
