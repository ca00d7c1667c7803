import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureKafkaJars } from '@demo-kafka/local-kafka';

/** A record as Kafka's own Java client read it back. */
export interface TopicRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  readonly value: string;
}

const READER = fileURLToPath(new URL('./ReadTopic.java', import.meta.url));

/** Reads the whole of `topic` through `bootstrap` (a PLAINTEXT listener) with kafka-clients, not kafkajs. */
export async function readTopicWithJava(bootstrap: string, topic: string): Promise<TopicRecord[]> {
  const classpath = await ensureKafkaJars();
  const { stdout } = await promisify(execFile)(
    'java',
    ['-cp', classpath, READER, bootstrap, topic],
    { maxBuffer: 1 << 30, timeout: 180_000 },
  );
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [partition, offset, key, value] = line.split(' ');
      return {
        partition: Number(partition),
        offset: offset ?? '',
        key:
          key === undefined || key === '-'
            ? undefined
            : Buffer.from(key, 'base64').toString('utf8'),
        value: Buffer.from(value ?? '', 'base64').toString('utf8'),
      };
    });
}
