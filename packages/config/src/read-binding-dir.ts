import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bindingKeyFor, METADATA_FILES } from './binding-keys.js';
import { ConfigError } from './errors.js';
import { addSpelling, stripTrailingNewline, type RawBinding } from './raw-binding.js';

/** What a binding directory holds: its key values, the names of all its files, and its metadata. */
export interface BindingFiles {
  readonly values: RawBinding;
  /** Every visible file name, keys or not (what tells a Strimzi KafkaUser Secret from others). */
  readonly fileNames: ReadonlySet<string>;
  /** `type` and `provider`, as servicebinding.io and Strimzi's Access Operator write them (lower case). */
  readonly metadata: Readonly<Partial<Record<(typeof METADATA_FILES)[number], string>>>;
}

/**
 * Reads a directory in which every file is one binding key (a Secret mounted as a volume).
 * Hidden entries are skipped: Kubernetes keeps the real files under `..data` and links them.
 */
export function readBindingDir(dir: string, describedAs: string): BindingFiles {
  const root = resolve(dir);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (error) {
    throw new ConfigError(
      `${describedAs} is ${root}, which cannot be read as a directory (${errnoOf(error)})`,
    );
  }
  const values: RawBinding = new Map();
  const fileNames = new Set<string>();
  const metadata: Partial<Record<(typeof METADATA_FILES)[number], string>> = {};
  for (const fileName of names.sort()) {
    if (fileName.startsWith('.')) continue;
    fileNames.add(fileName);
    const path = join(root, fileName);
    const source = `file ${path}`;
    const meta = METADATA_FILES.find((name) => name === fileName);
    if (meta) {
      metadata[meta] = readFileQuietly(path)?.trim().toLowerCase();
      continue;
    }
    const key = bindingKeyFor(fileName);
    if (!key) continue;
    addSpelling(values, key, { value: readKeyFile(path, key.name, source), source });
  }
  return { values, fileNames, metadata };
}

function readFileQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readKeyFile(path: string, key: string, source: string): string {
  try {
    if (statSync(path).isDirectory()) {
      throw new ConfigError(
        `Kafka binding key "${key}" (from ${source}): is a directory, expected a file`,
        key,
        source,
      );
    }
    return stripTrailingNewline(readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `Kafka binding key "${key}" (from ${source}): cannot be read (${errnoOf(error)})`,
      key,
      source,
    );
  }
}

/** The error code alone (EACCES, ENOENT): the rest of a Node fs message repeats the path. */
export function errnoOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.message : String(error);
}
