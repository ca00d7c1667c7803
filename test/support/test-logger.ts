import { appendFileSync } from 'node:fs';
import { createLogger, type Logger } from '@demo-kafka/app-kit';
import { pino } from 'pino';
import { inject } from 'vitest';

/**
 * A logger for apps built in tests: debug level, into the run's log file, which the global
 * teardown scans for secrets. Its level is the chattiest, so a leak anywhere would show.
 */
export function testLogger(name: string): Logger {
  return createLogger(
    name,
    'debug',
    pino.destination({ dest: inject('testLogFile'), sync: true, append: true }),
  );
}

/** Adds a spawned process's output to the scanned log. */
export function keepForSecretScan(output: string): void {
  appendFileSync(inject('testLogFile'), output.endsWith('\n') ? output : `${output}\n`);
}
