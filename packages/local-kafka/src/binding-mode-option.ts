import { userInfo } from 'node:os';
import { LocalKafkaError } from './errors.js';
import { BINDING_MODES, PRIVATE_BINDING_MODE } from './write-binding-dir.js';

/** The `--binding-mode` option, as `util.parseArgs` declares it. */
export const BINDING_MODE_OPTION = { 'binding-mode': { type: 'string' } } as const;

const octal = (mode: number): string => `0${mode.toString(8)}`;

/** Reads `--binding-mode` (octal, `0644` or `644`); absent, the private default 0600. */
export function bindingMode(value: string | undefined): number {
  if (value === undefined) return PRIVATE_BINDING_MODE;
  const mode = /^0?o?([0-7]{3})$/.test(value) ? parseInt(value.replace(/^0?o?/, ''), 8) : NaN;
  const allowed = BINDING_MODES as readonly number[];
  if (!allowed.includes(mode)) {
    throw new LocalKafkaError(
      `--binding-mode must be one of ${BINDING_MODES.map(octal).join(', ')} (read-only files), not "${value}"`,
    );
  }
  return mode;
}

/** What the mode means for who can read the binding, and how to share it with a container's user. */
export function bindingModeNote(mode: number): string {
  const owner = userInfo();
  if ((mode & 0o004) !== 0) {
    return (
      `The binding's files are mode ${octal(mode)}: every user of this machine can read its ` +
      `credentials (as a Secret volume's default 0644 lets any user in the pod).`
    );
  }
  return (
    `The binding's files are mode ${octal(mode)}, readable by ${owner.username} (uid ` +
    `${owner.uid}) ${(mode & 0o040) !== 0 ? 'and its group ' : ''}alone. ` +
    'A container that runs as another user (the images run as uid 1000) cannot read them: start ' +
    "with --binding-mode 0644 (a Secret volume's default mode) to mount it there."
  );
}
