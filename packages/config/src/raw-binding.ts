import type { BindingKey, BindingKeyName } from './binding-keys.js';
import { ConfigError } from './errors.js';

/** One binding value and where it was read (`file <path>` or `env <NAME>`). */
export interface RawValue {
  readonly value: string;
  readonly source: string;
  /** Set by a `KAFKA_*` variable (or its `_FILE` twin) rather than by a binding file. */
  readonly fromEnv?: boolean;
}

/** The binding's values by key, before validation. */
export type RawBinding = Map<BindingKeyName, RawValue>;

/** Removes one trailing newline: Secrets made from `echo` output carry one. */
export function stripTrailingNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

/**
 * Adds a value read under one spelling of `key`. The same key under several spellings is
 * normal (Strimzi writes three); values that agree (after trimming) keep the first source,
 * values that disagree are an error naming both sources, and the values only when not secret.
 */
export function addSpelling(binding: RawBinding, key: BindingKey, next: RawValue): void {
  const existing = binding.get(key.name);
  if (!existing) {
    binding.set(key.name, next);
    return;
  }
  if (comparable(key, existing.value) === comparable(key, next.value)) return;
  throw new ConfigError(
    `Kafka binding key "${key.name}" is given twice with different values, in ` +
      `${existing.source}${shown(key, existing.value)} ` +
      `and ${next.source}${shown(key, next.value)}; make them agree or keep one of them`,
    key.name,
    next.source,
  );
}

function comparable(key: BindingKey, value: string): string {
  const trimmed = value.trim();
  return key.caseInsensitive ? trimmed.toLowerCase().replaceAll('_', '-') : trimmed;
}

/** A short non-secret value helps the reader; a secret or a PEM block is never quoted. */
function shown(key: BindingKey, value: string): string {
  const trimmed = value.trim();
  if (key.secret || trimmed.includes('\n') || trimmed.length > 200) return '';
  return ` ("${trimmed}")`;
}
