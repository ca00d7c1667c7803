import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bindingKeyFor } from './binding-keys.js';
import { ConfigError } from './errors.js';
import { stripTrailingNewline, type RawBinding } from './raw-binding.js';

/**
 * Reads a directory in which every file is one binding key (a Secret mounted as a volume).
 * Hidden entries are skipped: Kubernetes keeps the real files under `..data` and links them.
 */
export function readBindingDir(dir: string, describedAs: string): RawBinding {
  const root = resolve(dir);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (error) {
    throw new ConfigError(`${describedAs} is ${root}, which cannot be read as a directory (${errnoOf(error)})`);
  }
  const binding: RawBinding = new Map();
  for (const fileName of names.sort()) {
    if (fileName.startsWith('.')) continue;
    const key = bindingKeyFor(fileName);
    if (!key) continue;
    const path = join(root, fileName);
    const source = `file ${path}`;
    const existing = binding.get(key.name);
    if (existing) {
      throw new ConfigError(
        `Kafka binding key "${key.name}" is given twice, in ${existing.source} and ${source}; keep one of them`,
        key.name,
        source,
      );
    }
    binding.set(key.name, { value: readKeyFile(path, key.name, source), source });
  }
  return binding;
}

function readKeyFile(path: string, key: string, source: string): string {
  try {
    if (statSync(path).isDirectory()) {
      throw new ConfigError(`Kafka binding key "${key}" (from ${source}): is a directory, expected a file`, key, source);
    }
    return stripTrailingNewline(readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`Kafka binding key "${key}" (from ${source}): cannot be read (${errnoOf(error)})`, key, source);
  }
}

/** The error code alone (EACCES, ENOENT): the rest of a Node fs message repeats the path. */
export function errnoOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
