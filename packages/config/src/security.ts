import { badValue } from './errors.js';
import type { RawValue } from './raw-binding.js';

export const SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** The hosted plan's mechanism, used when the binding names none. */
export const DEFAULT_SASL_MECHANISM: SaslMechanism = 'scram-sha-256';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** Accepts a mechanism in any case and with `_` for `-` (`SCRAM_SHA_256`). */
export function parseMechanism(raw: RawValue): SaslMechanism {
  const normalised = raw.value.trim().toLowerCase().replaceAll('_', '-');
  const found = SASL_MECHANISMS.find((m) => m === normalised);
  if (!found) {
    throw badValue('sasl.mechanism', raw.source, `"${raw.value}" is not supported; use one of ${SASL_MECHANISMS.join(', ')}`);
  }
  return found;
}

/** Accepts a protocol in any case. */
export function parseProtocol(raw: RawValue): SecurityProtocol {
  const normalised = raw.value.trim().toUpperCase();
  const found = SECURITY_PROTOCOLS.find((p) => p === normalised);
  if (!found) {
    throw badValue('security.protocol', raw.source, `"${raw.value}" is not a protocol; use one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  return found;
}
