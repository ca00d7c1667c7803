import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SOURCE_ENV } from './binding-keys.js';
import { ConfigError } from './errors.js';
import { errnoOf } from './read-binding-dir.js';

/** A directory of binding files and how to name it in messages. */
export interface BindingDir {
  readonly dir: string;
  readonly describedAs: string;
  /** Found under `SERVICE_BINDING_ROOT` (a servicebinding.io binding). */
  readonly serviceBinding: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Picks the directory the binding is read from: `KAFKA_BINDING_DIR`, else the Kafka binding
 * under `SERVICE_BINDING_ROOT`, else none (the environment alone).
 */
export function findBindingDir(env: Env): BindingDir | undefined {
  const bindingDir = nonEmpty(env[SOURCE_ENV.bindingDir]);
  if (bindingDir)
    return { dir: resolve(bindingDir), describedAs: SOURCE_ENV.bindingDir, serviceBinding: false };
  const root = nonEmpty(env[SOURCE_ENV.serviceBindingRoot]);
  if (root) return findServiceBinding(resolve(root), nonEmpty(env[SOURCE_ENV.bindingName]));
  return undefined;
}

function findServiceBinding(root: string, wanted: string | undefined): BindingDir | undefined {
  if (wanted) {
    const dir = join(root, wanted);
    if (!existsSync(dir)) {
      throw new ConfigError(
        `${SOURCE_ENV.bindingName} is "${wanted}" but ${SOURCE_ENV.serviceBindingRoot} (${root}) has no such binding`,
        SOURCE_ENV.bindingName,
        `env ${SOURCE_ENV.bindingName}`,
      );
    }
    return {
      dir,
      describedAs: `binding "${wanted}" under ${SOURCE_ENV.serviceBindingRoot}`,
      serviceBinding: true,
    };
  }
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch (error) {
    throw new ConfigError(
      `${SOURCE_ENV.serviceBindingRoot} is ${root}, which cannot be read as a directory (${errnoOf(error)})`,
    );
  }
  const kafka = entries
    .filter((name) => !name.startsWith('.'))
    .sort()
    .filter((name) => bindingType(join(root, name)) === 'kafka');
  if (kafka.length > 1) {
    throw new ConfigError(
      `${SOURCE_ENV.serviceBindingRoot} (${root}) holds several bindings of type kafka (${kafka.join(', ')}); ` +
        `set ${SOURCE_ENV.bindingName} to the one to use`,
    );
  }
  const [only] = kafka;
  if (only === undefined) return undefined;
  return {
    dir: join(root, only),
    describedAs: `binding "${only}" under ${SOURCE_ENV.serviceBindingRoot}`,
    serviceBinding: true,
  };
}

function bindingType(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return undefined;
    return readFileSync(join(dir, 'type'), 'utf8').trim().toLowerCase();
  } catch {
    return undefined;
  }
}

/** Treats a variable set to the empty string as unset (compose writes `VAR=` for "none"). */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
