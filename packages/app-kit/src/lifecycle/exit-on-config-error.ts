import { ConfigError } from '@demo-kafka/config';

/**
 * Start-up with a broken binding or setting: print the config package's one-line message
 * (which names the key and where it was read, never a secret) and exit non-zero.
 */
export function exitOnStartupError(app: string, error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(`${app}: ${error.message}`);
    process.exit(78); // EX_CONFIG
  }
  console.error(
    `${app}: could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
