import type { KafkaUser } from './local-kafka.js';

/** The ways a client of the local broker can authenticate (`--security`); the broker serves all at once. */
export const SECURITY_MODES = ['scram-sha-256', 'scram-sha-512', 'plain', 'mtls'] as const;
export type SecurityMode = (typeof SECURITY_MODES)[number];

/** One more listener beside the broker's SASL_SSL, PLAINTEXT and CONTROLLER ones. */
export interface ExtraListener {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'SSL' | 'SASL_SSL' | 'PLAINTEXT';
}

/** The mutual-TLS listener's name; its security protocol is SSL with client authentication required. */
export const MTLS_LISTENER = 'MTLS';

/** Turns a certificate's `CN=<name>` into the principal `User:<name>`, so ACLs are the same as for SCRAM users. */
const PRINCIPAL_FROM_CN = 'RULE:^CN=([^,]+)$/$1/,DEFAULT';

/**
 * What the broker needs to speak every {@link SecurityMode}: its SASL_SSL listener offers
 * SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN together (PLAIN's users live in the listener's JAAS
 * line), and an SSL listener requires a client certificate signed by the clients CA.
 */
export function securityModeProperties(options: {
  mtlsPort: number;
  clientsCaFile: string;
  users: readonly KafkaUser[];
}): {
  listeners: ExtraListener[];
  properties: Record<string, string>;
} {
  const mechanisms = 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN';
  const plainUsers = options.users.map((u) => `user_${u.username}="${u.password}"`).join(' ');
  const mtls = `listener.name.${MTLS_LISTENER.toLowerCase()}`;
  return {
    listeners: [{ name: MTLS_LISTENER, port: options.mtlsPort, protocol: 'SSL' }],
    properties: {
      'sasl.enabled.mechanisms': mechanisms,
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': mechanisms,
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
      [`${mtls}.ssl.client.auth`]: 'required',
      [`${mtls}.ssl.truststore.type`]: 'PEM',
      [`${mtls}.ssl.truststore.location`]: options.clientsCaFile,
      [`${mtls}.ssl.principal.mapping.rules`]: PRINCIPAL_FROM_CN,
    },
  };
}

/** The `kafka-storage format` arguments that give every user SCRAM credentials for both SCRAM mechanisms. */
export function scramCredentialArgs(users: readonly KafkaUser[]): string[] {
  return users.flatMap((u) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${u.username},password=${u.password}]`,
    ]),
  );
}
