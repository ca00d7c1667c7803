import { watchKafkaBinding, type ConfigWatch, type KafkaBinding } from '@demo-kafka/config';
import type { Logger } from '@demo-kafka/app-kit';

/** Calls `reconnect` with the new binding when the mounted Secret changes (credential rotation). */
export function reconnectOnBindingChange(
  binding: KafkaBinding,
  logger: Logger,
  reconnect: (next: KafkaBinding) => Promise<void>,
): ConfigWatch {
  return watchKafkaBinding(binding, {
    onChange: (next) => {
      logger.info({ kafka: next.redacted() }, 'binding changed; reconnecting');
      reconnect(next).catch((error: unknown) =>
        logger.error({ err: error }, 'reconnecting with the new binding failed'),
      );
    },
    onError: (error) =>
      logger.error({ err: error }, 'binding changed but does not load; keeping the current one'),
  });
}
