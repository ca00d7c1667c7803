import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, openssl } from './certificates.js';

/** A client certificate and its key, as PEM (what a Strimzi KafkaUser Secret holds as user.crt and user.key). */
export interface ClientCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** The CA that signs client certificates, kept apart from the broker's CA as Strimzi keeps its clients CA. */
export interface ClientsCa {
  /** The CA certificate (PEM) the mutual-TLS listener trusts. */
  readonly caFile: string;
  /** Issues a certificate whose subject is `CN=<username>`: the broker takes the principal from it. */
  issue(username: string): Promise<ClientCertificate>;
}

/** Makes a clients CA in `dir` with the same openssl tooling as the broker's CA. */
export async function createClientsCa(dir: string): Promise<ClientsCa> {
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  await createCa(dir, 'clients-ca', 'local-kafka clients CA');
  writeFileSync(
    file('client.ext'),
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  return {
    caFile: file('clients-ca.pem'),
    issue: async (username) => {
      const base = file(`user-${username}`);
      await openssl([
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${username}`,
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.csr`,
      ]);
      await openssl([
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        file('clients-ca.pem'),
        '-CAkey',
        file('clients-ca.key'),
        '-CAcreateserial',
        '-days',
        '3650',
        '-extfile',
        file('client.ext'),
        '-out',
        `${base}.crt`,
      ]);
      return {
        certPem: readFileSync(`${base}.crt`, 'utf8'),
        keyPem: readFileSync(`${base}.key`, 'utf8'),
      };
    },
  };
}
