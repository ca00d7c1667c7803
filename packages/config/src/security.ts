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
    throw badValue(
      'sasl.mechanism',
      raw.source,
      `"${raw.value}" is not supported; use one of ${SASL_MECHANISMS.join(', ')}`,
    );
  }
  return found;
}

/** Accepts a protocol in any case. */
export function parseProtocol(raw: RawValue): SecurityProtocol {
  const normalised = raw.value.trim().toUpperCase();
  const found = SECURITY_PROTOCOLS.find((p) => p === normalised);
  if (!found) {
    throw badValue(
      'security.protocol',
      raw.source,
      `"${raw.value}" is not a protocol; use one of ${SECURITY_PROTOCOLS.join(', ')}`,
    );
  }
  return found;
}

/**
 * Whether the connection runs over TLS: as `security.protocol` says, refusing a protocol that
 * cannot carry what the binding has; without one, TLS whenever there is a CA, credentials or a
 * client certificate. Credentials without a protocol mean SASL_SSL, as hosted clusters speak: a
 * password (in clear text with PLAIN) must not cross the network unencrypted unless
 * SASL_PLAINTEXT says so; a client certificate without a password means SSL with client auth.
 */
export function usesTls(
  protocolRaw: RawValue | undefined,
  has: { sasl: boolean; ca: boolean; clientCertificate: boolean },
): boolean {
  if (!protocolRaw) return has.ca || has.sasl || has.clientCertificate;
  const protocol = parseProtocol(protocolRaw);
  const refuse = (problem: string): never => {
    throw badValue('security.protocol', protocolRaw.source, problem);
  };
  if (protocol.startsWith('SASL_') && !has.sasl)
    refuse(`${protocol} needs a "username" and a "password", and the binding has neither`);
  if ((protocol === 'SSL' || protocol === 'PLAINTEXT') && has.sasl) {
    refuse(
      `${protocol} sends no credentials, yet the binding has a username and password; use SASL_${protocol}`,
    );
  }
  if ((protocol === 'PLAINTEXT' || protocol === 'SASL_PLAINTEXT') && has.clientCertificate) {
    refuse(
      `${protocol} has no TLS, yet the binding has a client certificate; use ` +
        `${protocol === 'PLAINTEXT' ? 'SSL' : 'SASL_SSL'}`,
    );
  }
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}
