import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { ConfigError, badValue } from './errors.js';
import type { RawValue } from './raw-binding.js';
import { pemCertificates } from './validate-ca.js';

/** A client certificate for mutual TLS, checked to be usable with its key. */
export interface ClientCertificate {
  /** The certificate chain, leaf first, as PEM. */
  readonly cert: string;
  /** The private key as PEM; never printed. */
  readonly key: string;
  /** The leaf's subject (e.g. `CN=demo`), which brokers usually take as the principal. */
  readonly subject: string;
}

/**
 * Checks the `cert` and `key` values: PEM, the key unencrypted and the one the certificate was
 * issued for, the certificate within its validity and first in its chain (intermediates follow
 * it; their order is the broker's to judge). A TLS handshake would otherwise fail with an error
 * that names neither. The key's text never appears in a message.
 */
export function validateClientCertificate(
  certRaw: RawValue | undefined,
  keyRaw: RawValue | undefined,
  now = new Date(),
): ClientCertificate | undefined {
  if (!certRaw && !keyRaw) return undefined;
  if (!certRaw || !keyRaw) {
    const [given, missing] = certRaw ? ['cert', 'key'] : ['key', 'cert'];
    const source = (certRaw ?? keyRaw)?.source ?? '';
    throw new ConfigError(
      `Kafka binding has a client ${given === 'cert' ? 'certificate' : 'key'} "${given}" (from ` +
        `${source}) but no "${missing}"; mutual TLS needs both`,
      missing,
      source,
    );
  }
  const chain = pemCertificates(certRaw, 'cert');
  const leaf = new X509Certificate(chain[0] ?? '');
  if (new Date(leaf.validTo) < now)
    throw badValue(
      'cert',
      certRaw.source,
      `expired on ${leaf.validTo} (subject ${subjectOf(leaf)})`,
    );
  if (new Date(leaf.validFrom) > now)
    throw badValue(
      'cert',
      certRaw.source,
      `is not valid before ${leaf.validFrom} (subject ${subjectOf(leaf)})`,
    );

  const keyText = keyRaw.value.trim();
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(keyText)) {
    throw badValue(
      'key',
      keyRaw.source,
      'is an encrypted private key; give the unencrypted PEM key (e.g. openssl pkey -in key.pem -out plain.pem)',
    );
  }
  if (!/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/.test(keyText)) {
    throw badValue(
      'key',
      keyRaw.source,
      'is not a PEM private key (expected text starting with -----BEGIN PRIVATE KEY-----)',
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch {
    throw badValue('key', keyRaw.source, 'is not a readable PEM private key');
  }
  if (!leaf.checkPrivateKey(key)) {
    // A chain pasted CA first is a common slip: say so rather than call the key wrong.
    const own = chain.findIndex((pem) => new X509Certificate(pem).checkPrivateKey(key));
    if (own > 0) {
      throw badValue(
        'cert',
        certRaw.source,
        `holds the certificate of "key" as certificate ${own + 1} of ${chain.length}; put it ` +
          `first (leaf first, then its issuers)`,
      );
    }
    throw badValue(
      'key',
      keyRaw.source,
      `is not the key of the certificate in "cert" (from ${certRaw.source}, subject ${subjectOf(leaf)})`,
    );
  }
  return { cert: chain.join(''), key: `${keyText}\n`, subject: subjectOf(leaf) };
}

/** `CN=demo, O=...` on one line (Node separates the parts with newlines). */
function subjectOf(certificate: X509Certificate): string {
  return certificate.subject.split('\n').join(', ');
}
