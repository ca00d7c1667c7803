import type { Logger } from '@demo-kafka/app-kit';
import { logLevel, type logCreator } from '../kafkajs.js';

/** Routes kafkajs's own log lines into pino, so they share the app's format and redaction. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const entry = { kafkajs: extra };
      // "Response <Api>" lines are protocol errors kafkajs retries by itself (a coordinator still
      // loading, say); the supervisor reports failures that last.
      if (message.startsWith('Response ')) logger.debug(entry, message);
      // A consumer's crash and restart (a coordinator still loading when Kafka has just started,
      // say): the app's CRASH listener reports it, by the error's type, to readiness and the log.
      else if (message.startsWith('Crash: ') || message.startsWith('Restarting the consumer'))
        logger.debug(entry, message);
      else if (level === logLevel.ERROR) logger.error(entry, message);
      // Our own produce timeout bounds retries; kafkajs warns about any bound on them.
      else if (level === logLevel.WARN && !message.startsWith('Limiting retries'))
        logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.debug(entry, message);
      else logger.trace(entry, message);
    };
}
