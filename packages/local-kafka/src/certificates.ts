import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalKafkaError } from './errors.js';
import { runCommand } from './run-command.js';

/** The files of a freshly made private CA and the broker certificate it signed. */
export interface BrokerTls {
  /** The CA certificate (PEM): the binding's `ca`. */
  readonly caPem: string;
  /** The broker's PKCS#8 key, certificate and CA in one PEM file (`ssl.keystore.type=PEM`). */
  readonly keystoreFile: string;
}

/**
 * Makes a private CA and a broker certificate for localhost and 127.0.0.1, as the hosted plan
 * does with its own CA. Kept in the data directory so a restart reuses them.
 */
export async function createBrokerTls(dir: string): Promise<BrokerTls> {
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  const steps: string[][] = [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=local-kafka test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', file('ca.key'), '-out', file('ca.pem')],
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('broker.key'), '-out', file('broker.csr')],
    ['x509', '-req', '-in', file('broker.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-days', '3650', '-extfile', file('broker.ext'), '-out', file('broker.pem')],
  ];
  writeFileSync(
    file('broker.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  for (const args of steps) await openssl(args);
  const caPem = readFileSync(file('ca.pem'), 'utf8');
  const keystoreFile = file('broker-keystore.pem');
  writeFileSync(keystoreFile, readFileSync(file('broker.key'), 'utf8') + readFileSync(file('broker.pem'), 'utf8') + caPem, { mode: 0o600 });
  return { caPem, keystoreFile };
}

/** Runs one openssl command, the one tool every certificate here is made with. */
export async function openssl(args: readonly string[]): Promise<void> {
  const result = await runCommand('openssl', args).catch((error: unknown) => {
    throw new LocalKafkaError(`openssl is needed to make the broker's certificates and could not be run (${String(error)}); apt-get install openssl`);
  });
  if (result.code !== 0) throw new LocalKafkaError(`openssl ${args[0]} failed: ${result.output.trim()}`);
}
