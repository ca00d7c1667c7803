import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BINDING_KEYS, CA_FILE_ENV } from './binding-keys.js';
import { ConfigError } from './errors.js';
import { nonEmpty } from './find-binding-dir.js';
import { errnoOf } from './read-binding-dir.js';
import { stripTrailingNewline, type RawBinding } from './raw-binding.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the binding keys set as `KAFKA_*` environment variables (empty ones count as unset). */
export function readEnvBinding(env: Env): RawBinding {
  const binding: RawBinding = new Map();
  for (const key of BINDING_KEYS) {
    const value = nonEmpty(env[key.env]);
    if (value !== undefined) binding.set(key.name, { value, source: `env ${key.env}` });
  }
  const caFile = nonEmpty(env[CA_FILE_ENV]);
  if (caFile !== undefined && !binding.has('ca')) {
    const path = resolve(caFile);
    const source = `file ${path} (${CA_FILE_ENV})`;
    try {
      binding.set('ca', { value: stripTrailingNewline(readFileSync(path, 'utf8')), source });
    } catch (error) {
      throw new ConfigError(`Kafka binding key "ca" (from ${source}): cannot be read (${errnoOf(error)})`, 'ca', source);
    }
  }
  return binding;
}
