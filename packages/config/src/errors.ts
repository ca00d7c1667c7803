/**
 * A binding or setting that cannot work. The message names the key and where it was read,
 * and never contains a secret value, so it is safe to print and log as is.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    message: string,
    /** The binding key or setting at fault, when there is one. */
    readonly key?: string,
    /** Where the faulty value came from, e.g. `file /bindings/kafka/brokers` or `env KAFKA_BROKERS`. */
    readonly source?: string,
  ) {
    super(message);
  }
}

/** Builds the message for a bad value: `<key> (from <source>): <problem>`. */
export function badValue(key: string, source: string, problem: string): ConfigError {
  return new ConfigError(`Kafka binding key "${key}" (from ${source}): ${problem}`, key, source);
}
