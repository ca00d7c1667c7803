import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BINDING_KEYS } from './binding-keys.js';
import { ConfigError } from './errors.js';
import { nonEmpty } from './find-binding-dir.js';
import { errnoOf } from './read-binding-dir.js';
import { stripTrailingNewline, type RawBinding } from './raw-binding.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the binding keys set as `KAFKA_*` environment variables (empty ones count as unset);
 * a PEM key may instead name a file (`KAFKA_CA_FILE`, `KAFKA_CERT_FILE`, `KAFKA_KEY_FILE`),
 * and the variable holding the value itself wins over the file.
 */
export function readEnvBinding(env: Env): RawBinding {
  const binding: RawBinding = new Map();
  for (const key of BINDING_KEYS) {
    const value = nonEmpty(env[key.env]);
    if (value !== undefined) {
      binding.set(key.name, { value, source: `env ${key.env}`, fromEnv: true });
      continue;
    }
    const file = key.fileEnv ? nonEmpty(env[key.fileEnv]) : undefined;
    if (file === undefined) continue;
    const path = resolve(file);
    const source = `file ${path} (${key.fileEnv})`;
    try {
      binding.set(key.name, {
        value: stripTrailingNewline(readFileSync(path, 'utf8')),
        source,
        fromEnv: true,
      });
    } catch (error) {
      throw new ConfigError(
        `Kafka binding key "${key.name}" (from ${source}): cannot be read (${errnoOf(error)})`,
        key.name,
        source,
      );
    }
  }
  return binding;
}
