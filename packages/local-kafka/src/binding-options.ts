import {
  BINDING_FORMATS,
  checkFormatAllows,
  defaultSecurityMode,
  type BindingFormat,
} from './binding-formats.js';
import { LocalKafkaError } from './errors.js';
import { SECURITY_MODES, type SecurityMode } from './security-modes.js';

/** The `--binding-format` and `--security` options, as `util.parseArgs` declares them. */
export const BINDING_OPTIONS = {
  'binding-format': { type: 'string', default: 'walkthrough' },
  security: { type: 'string' },
} as const;

/** How the options read in a usage line. */
export const BINDING_OPTIONS_USAGE =
  `[--binding-format ${BINDING_FORMATS.join('|')}] [--security ` + `${SECURITY_MODES.join('|')}]`;

/** A binding shape and how its client authenticates, checked to go together. */
export interface BindingChoice {
  readonly bindingFormat: BindingFormat;
  readonly security: SecurityMode;
}

/**
 * Reads `--binding-format` (default walkthrough) and `--security` (default: the format's usual
 * mode), refusing unknown values and pairs no user of the format can have.
 */
export function bindingChoice(values: {
  'binding-format'?: string;
  security?: string;
}): BindingChoice {
  const bindingFormat = oneOf(
    values['binding-format'] ?? 'walkthrough',
    BINDING_FORMATS,
    '--binding-format',
  );
  const security =
    values.security === undefined
      ? defaultSecurityMode(bindingFormat)
      : oneOf(values.security, SECURITY_MODES, '--security');
  checkFormatAllows(bindingFormat, security);
  return { bindingFormat, security };
}

/**
 * The app settings a binding of `format` needs: a Strimzi Secret carries no topic prefix, so the
 * apps name their topic and group inside the user's `<prefix>` ACLs themselves.
 */
export function appSettingsFor(format: BindingFormat, topicPrefix: string): Record<string, string> {
  return format === 'walkthrough'
    ? {}
    : { TOPIC: `${topicPrefix}default`, GROUP_ID: `${topicPrefix}consumer` };
}

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  const found = allowed.find((a) => a === value);
  if (!found)
    throw new LocalKafkaError(`${option} must be one of ${allowed.join(', ')}, not "${value}"`);
  return found;
}
