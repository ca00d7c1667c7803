import { X509Certificate } from 'node:crypto';
import { badValue } from './errors.js';
import type { RawValue } from './raw-binding.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Checks that the `ca` value is one or more PEM certificates and returns them one by one;
 * kafkajs would otherwise fail later with an opaque TLS error.
 */
export function validateCa(raw: RawValue): string[] {
  const certificates = pemCertificates(raw, 'ca');
  for (const pem of certificates) {
    const subject = new X509Certificate(pem).subject;
    // Strimzi names its CAs "cluster-ca vN" and "clients-ca vN". A whole KafkaUser Secret mounted
    // as the binding brings its ca.crt, which is the clients CA: it cannot verify the brokers.
    if (/^O=io\.strimzi$/m.test(subject) && /^CN=clients-ca v\d+$/m.test(subject)) {
      throw badValue(
        'ca',
        raw.source,
        "is Strimzi's clients CA (CN=clients-ca), which signs user certificates, not the brokers'; " +
          'take ca.crt from the Secret <cluster>-cluster-ca-cert instead (project only user.crt ' +
          'and user.key from the KafkaUser Secret)',
      );
    }
  }
  return certificates;
}

/** Splits `raw` into PEM certificates that each parse as X.509, or names the one that does not. */
export function pemCertificates(raw: RawValue, key: string): string[] {
  const blocks = raw.value.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw badValue(
      key,
      raw.source,
      'is not a PEM certificate (expected text starting with -----BEGIN CERTIFICATE-----)',
    );
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch {
      const which =
        blocks.length > 1 ? `certificate ${index + 1} of ${blocks.length}` : 'the certificate';
      throw badValue(
        key,
        raw.source,
        `${which} is not a valid PEM certificate (it does not parse as X.509)`,
      );
    }
  });
  return blocks.map((block) => `${block}\n`);
}
