import type { ClientCertificate } from './client-certificates.js';
import { LocalKafkaError } from './errors.js';
import type { SecurityMode } from './security-modes.js';

/** The shapes the binding directory can be written in, as a user's cluster would give it. */
export const BINDING_FORMATS = ['walkthrough', 'strimzi-access', 'strimzi-user'] as const;
export type BindingFormat = (typeof BINDING_FORMATS)[number];

/** What every binding is made from: the broker's addresses and CA, and one user's credentials. */
export interface BindingMaterial {
  /** SASL_SSL bootstrap address (SCRAM and PLAIN). */
  readonly saslBrokers: readonly string[];
  /** Mutual-TLS bootstrap address. */
  readonly mtlsBrokers: readonly string[];
  readonly caPem: string;
  readonly username: string;
  readonly password: string;
  readonly topicPrefix: string;
  readonly certificate: ClientCertificate;
  /** The walkthrough Secret's `name`. */
  readonly name: string;
}

/** The mode a format means when none is asked for: the walkthrough's SCRAM-SHA-256, Strimzi's SCRAM-SHA-512. */
export function defaultSecurityMode(format: BindingFormat): SecurityMode {
  return format === 'walkthrough' ? 'scram-sha-256' : 'scram-sha-512';
}

/** Throws unless a user of `format` can authenticate with `mode`: Strimzi users are SCRAM-SHA-512 or TLS only. */
export function checkFormatAllows(format: BindingFormat, mode: SecurityMode): void {
  if (format !== 'walkthrough' && mode !== 'mtls' && mode !== 'scram-sha-512') {
    throw new LocalKafkaError(
      `a Strimzi user authenticates with scram-sha-512 or mtls, not ${mode}; choose one of those ` +
        `for --binding-format ${format}`,
    );
  }
}

/**
 * The files of a binding Secret in `format` for `mode`:
 * - walkthrough: the Secret's keys (`brokers, username, password, ca, topicPrefix, name`), plus
 *   `sasl.mechanism` for a mechanism other than SCRAM-SHA-256, and `cert`/`key` instead of the
 *   password for mutual TLS;
 * - strimzi-access: what the Access Operator writes (several spellings, `ssl.truststore.crt`,
 *   a JAAS line; `ssl.keystore.crt`/`.key` for a TLS user);
 * - strimzi-user: a KafkaUser Secret (`password` and `sasl.jaas.config`, or `user.crt` and
 *   `user.key`) with the cluster CA's `ca.crt` and a `bootstrap.servers` projected beside it.
 * Strimzi users are SCRAM-SHA-512 or TLS only, so the Strimzi formats refuse the other modes.
 */
export function bindingFiles(
  material: BindingMaterial,
  format: BindingFormat,
  mode: SecurityMode,
): Record<string, string> {
  const m = material;
  const mtls = mode === 'mtls';
  const brokers = (mtls ? m.mtlsBrokers : m.saslBrokers).join(',');
  if (format === 'walkthrough') {
    return {
      brokers,
      ...(mtls
        ? { cert: m.certificate.certPem, key: m.certificate.keyPem }
        : { username: m.username, password: m.password }),
      ...(mode === 'scram-sha-512' || mode === 'plain'
        ? { 'sasl.mechanism': mode.toUpperCase() }
        : {}),
      ca: m.caPem,
      topicPrefix: m.topicPrefix,
      name: m.name,
    };
  }
  checkFormatAllows(format, mode);
  const jaas =
    `org.apache.kafka.common.security.scram.ScramLoginModule required ` +
    `username="${m.username}" password="${m.password}";`;
  if (format === 'strimzi-user') {
    return {
      ...(mtls
        ? { 'user.crt': m.certificate.certPem, 'user.key': m.certificate.keyPem }
        : { password: m.password, 'sasl.jaas.config': jaas }),
      'ca.crt': m.caPem,
      'bootstrap.servers': brokers,
    };
  }
  const protocol = mtls ? 'SSL' : 'SASL_SSL';
  return {
    type: 'kafka',
    provider: 'strimzi',
    'bootstrap.servers': brokers,
    'bootstrap-servers': brokers,
    bootstrapServers: brokers,
    'security.protocol': protocol,
    securityProtocol: protocol,
    'ssl.truststore.crt': m.caPem,
    ...(mtls
      ? { 'ssl.keystore.crt': m.certificate.certPem, 'ssl.keystore.key': m.certificate.keyPem }
      : {
          username: m.username,
          user: m.username,
          password: m.password,
          'sasl.jaas.config': jaas,
          'sasl.mechanism': 'SCRAM-SHA-512',
          saslMechanism: 'SCRAM-SHA-512',
        }),
  };
}
