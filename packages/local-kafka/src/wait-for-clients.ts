import { loadKafkaBinding } from '@demo-kafka/config';
import { Kafka, logLevel } from '@demo-kafka/kafka-client';
import { LocalKafkaError } from './errors.js';

/**
 * Waits until a client built only from the binding directory authenticates and lists topics:
 * the broker logs "started" before its SASL_SSL listener serves metadata.
 */
export async function waitUntilClientsCanConnect(
  bindingDir: string,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  const config = loadKafkaBinding(
    { KAFKA_BINDING_DIR: bindingDir },
    { topic: 'default', groupId: 'consumer', clientId: 'local-kafka-probe' },
  );
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const admin = new Kafka(
      config.kafkaConfig({ logLevel: logLevel.NOTHING, retry: { retries: 0 } }),
    ).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  throw new LocalKafkaError(
    `an authenticated client could not reach the broker within ${timeoutMs} ms (${String(lastError)})`,
    logFile,
  );
}
