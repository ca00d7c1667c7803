import type { DiagLogger } from '@opentelemetry/api';
import type { Logger } from '../logger.js';

/** The SDK's own messages (an export that failed, a bad setting) as JSON log lines of the app. */
export function diagToPino(logger: Logger): DiagLogger {
  const log = logger.child({ component: 'opentelemetry' });
  const line = (message: string, args: unknown[]): string =>
    [message, ...args.map((arg) => (arg instanceof Error ? arg.message : String(arg)))].join(' ');
  return {
    error: (message, ...args) => log.error(line(message, args)),
    warn: (message, ...args) => log.warn(line(message, args)),
    info: (message, ...args) => log.info(line(message, args)),
    debug: (message, ...args) => log.debug(line(message, args)),
    verbose: (message, ...args) => log.trace(line(message, args)),
  };
}
