import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear, in case a secret is ever logged by mistake. */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'sasl.password',
  '*.sasl.password',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

/** A JSON logger (one object per line, as log collectors expect) that redacts secrets. */
export function createLogger(
  name: string,
  level: string,
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    { name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { app: name } },
    destination,
  );
}
