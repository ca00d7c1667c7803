import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SECRET_KEYS } from '@demo-kafka/config';

/** The binding Secret's keys and values. */
export type BindingSecret = Record<(typeof SECRET_KEYS)[number], string>;

/**
 * Writes the binding as Kubernetes mounts a Secret: the files live in a timestamped folder,
 * `..data` links to it, and each key is a link through `..data`. Writing again swaps
 * `..data` atomically, as the kubelet does when a Secret changes; the links of keys the new
 * Secret no longer has are removed, as the kubelet removes them (a binding written again in
 * another format would otherwise keep dangling links the apps cannot read).
 */
export function writeBindingDir(dir: string, secret: BindingSecret | Readonly<Record<string, string>>): void {
  mkdirSync(dir, { recursive: true });
  const version = `..${new Date().toISOString().replace(/[-:.]/g, '_')}_${process.hrtime.bigint()}`;
  mkdirSync(join(dir, version));
  for (const [key, value] of Object.entries(secret)) {
    writeFileSync(join(dir, version, key), value, { mode: 0o600 });
  }
  const staged = join(dir, '..data_tmp');
  rmSync(staged, { force: true });
  symlinkSync(version, staged);
  renameSync(staged, join(dir, '..data'));
  for (const key of Object.keys(secret)) {
    // Links through ..data never change, so only the first write makes them.
    if (!existsSync(join(dir, key))) symlinkSync(join('..data', key), join(dir, key));
  }
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..') && entry !== '..data' && entry !== version) rmSync(join(dir, entry), { recursive: true, force: true });
    else if (!entry.startsWith('.') && !Object.hasOwn(secret, entry) && isKeyLink(dir, entry)) rmSync(join(dir, entry));
  }
}

/** Whether `entry` is one of the key links (`<key>` -> `..data/<key>`), not a file someone put beside them. */
function isKeyLink(dir: string, entry: string): boolean {
  const path = join(dir, entry);
  return lstatSync(path).isSymbolicLink() && readlinkSync(path) === join('..data', entry);
}
