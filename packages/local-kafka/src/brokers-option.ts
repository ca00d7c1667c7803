import { LocalKafkaError } from './errors.js';

/** The most nodes a local cluster may have (each is a JVM on this machine). */
export const MAX_BROKERS = 9;

/** The `--brokers` option of `npm run kafka` and `npm run demo`, as `util.parseArgs` declares it. */
export const BROKERS_OPTION = { brokers: { type: 'string', default: '1' } } as const;

/** Reads `--brokers`: a whole number from 1 to {@link MAX_BROKERS}. */
export function brokerCount(value: string | number | undefined): number {
  const count =
    typeof value === 'number'
      ? value
      : Number(value === undefined || value.trim() === '' ? Number.NaN : value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_BROKERS) {
    throw new LocalKafkaError(
      `--brokers takes a whole number from 1 to ${MAX_BROKERS}, not "${String(value)}"`,
    );
  }
  return count;
}
