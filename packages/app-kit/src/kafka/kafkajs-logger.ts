import type { logCreator } from 'kafkajs';
import type { Logger } from '../logger.js';
import { logLevel } from './kafkajs.js';

/** Routes kafkajs's own log lines into pino, so they share the app's format and redaction. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () => ({ level, log }) => {
    const { message, ...extra } = log;
    const entry = { kafkajs: extra };
    if (level === logLevel.ERROR) logger.error(entry, message);
    else if (level === logLevel.WARN) logger.warn(entry, message);
    else if (level === logLevel.INFO) logger.debug(entry, message);
    else logger.trace(entry, message);
  };
}
