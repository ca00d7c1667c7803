import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadKafkaBinding } from '@demo-kafka/config';
import { startLocalKafka, type LocalKafka } from '@demo-kafka/local-kafka';
import { Kafka, logLevel } from '@demo-kafka/kafka-client';
import { afterAll, describe, expect, it } from 'vitest';

/** Java processes whose command line mentions `needle` (the broker's data directory). */
function jvmsFor(needle: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('java') && line.includes(needle));
}

describe('a broker of its own: restart keeps data, stop leaves no JVM', () => {
  let kafka: LocalKafka | undefined;
  afterAll(async () => kafka?.stop());

  it('keeps a produced record across restart() and leaves no process after stop()', async () => {
    kafka = await startLocalKafka({ username: 'life' });
    expect(jvmsFor(kafka.dataDir)).toHaveLength(1);
    const config = loadKafkaBinding(
      { KAFKA_BINDING_DIR: kafka.bindingDir },
      { topic: 'kept', groupId: 'consumer', clientId: 'lifecycle-test' },
    );
    expect(config.topic).toBe('life-kept');
    const client = new Kafka(config.kafkaConfig({ logLevel: logLevel.NOTHING }));

    const producer = client.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: config.topic, acks: -1, messages: [{ value: 'before restart' }] });
    await producer.disconnect();

    await kafka.restart();
    expect(jvmsFor(kafka.dataDir)).toHaveLength(1);

    const admin = client.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(config.topic);
    await admin.disconnect();
    expect(offsets.map((o) => o.high)).toEqual(['1']);

    const dataDir = kafka.dataDir;
    await kafka.stop();
    kafka = undefined;
    expect(jvmsFor(dataDir)).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });
});
