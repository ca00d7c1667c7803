import type { BindingKeyName } from './binding-keys.js';

/** One binding value and where it was read (`file <path>` or `env <NAME>`). */
export interface RawValue {
  readonly value: string;
  readonly source: string;
}

/** The binding's values by key, before validation. */
export type RawBinding = Map<BindingKeyName, RawValue>;

/** Removes one trailing newline: Secrets made from `echo` output carry one. */
export function stripTrailingNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}
