import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { SECRET_KEYS } from '@demo-kafka/config';

/** The binding files' default mode: readable by their owner alone, as credentials should be on a shared machine. */
export const PRIVATE_BINDING_MODE = 0o600;
/** The modes a binding may have: read-only, never writable or executable beyond its owner's read. */
export const BINDING_MODES = [0o400, 0o440, 0o444, 0o600, 0o640, 0o644] as const;

/** The binding Secret's keys and values. */
export type BindingSecret = Record<(typeof SECRET_KEYS)[number], string>;

/**
 * Writes the binding as Kubernetes mounts a Secret: the files live in a timestamped folder,
 * `..data` links to it, and each key is a link through `..data`. Writing again swaps
 * `..data` atomically, as the kubelet does when a Secret changes; the links of keys the new
 * Secret no longer has are removed, as the kubelet removes them (a binding written again in
 * another format would otherwise keep dangling links the apps cannot read). `mode` is the
 * files' mode, as a Secret volume's `defaultMode` (0644 in Kubernetes; 0600 by default here).
 */
export function writeBindingDir(
  dir: string,
  secret: BindingSecret | Readonly<Record<string, string>>,
  mode: number = PRIVATE_BINDING_MODE,
): void {
  mkdirSync(dir, { recursive: true });
  const version = `..${new Date().toISOString().replace(/[-:.]/g, '_')}_${process.hrtime.bigint()}`;
  mkdirSync(join(dir, version));
  for (const [key, value] of Object.entries(secret)) {
    writeFileSync(join(dir, version, key), value, { mode });
    chmodSync(join(dir, version, key), mode); // writeFileSync's mode passes through the umask
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
    if (entry.startsWith('..') && entry !== '..data' && entry !== version)
      rmSync(join(dir, entry), { recursive: true, force: true });
    else if (!entry.startsWith('.') && !Object.hasOwn(secret, entry) && isKeyLink(dir, entry))
      rmSync(join(dir, entry));
  }
}

/** Whether `entry` is one of the key links (`<key>` -> `..data/<key>`), not a file someone put beside them. */
function isKeyLink(dir: string, entry: string): boolean {
  const path = join(dir, entry);
  return lstatSync(path).isSymbolicLink() && readlinkSync(path) === join('..data', entry);
}
