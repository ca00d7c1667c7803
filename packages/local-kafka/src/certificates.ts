import { randomBytes } from 'node:crypto';
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
  await createCa(dir, 'ca', 'local-kafka test CA');
  writeFileSync(
    file('broker.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  await openssl([
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    file('broker.key'),
    '-out',
    file('broker.csr'),
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    file('broker.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '3650',
    '-extfile',
    file('broker.ext'),
    '-out',
    file('broker.pem'),
  ]);
  const caPem = readFileSync(file('ca.pem'), 'utf8');
  const keystoreFile = file('broker-keystore.pem');
  writeFileSync(
    keystoreFile,
    readFileSync(file('broker.key'), 'utf8') + readFileSync(file('broker.pem'), 'utf8') + caPem,
    { mode: 0o600 },
  );
  return { caPem, keystoreFile };
}

/**
 * Makes a self-signed CA, `<name>.key` and `<name>.pem`, in `dir`. Its extensions come from a
 * file (`x509 -extfile`), not `req -addext`, which the LibreSSL that macOS ships as openssl may
 * lack: the same commands run with OpenSSL 1.1 and 3 and with LibreSSL.
 */
export async function createCa(dir: string, name: string, commonName: string): Promise<void> {
  const file = (suffix: string): string => join(dir, `${name}${suffix}`);
  writeFileSync(
    file('.ext'),
    'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
  );
  await openssl([
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${commonName}`,
    '-keyout',
    file('.key'),
    '-out',
    file('.csr'),
  ]);
  // A random serial, as `req -x509` gives (an older `x509 -signkey` would give 0).
  await openssl([
    'x509',
    '-req',
    '-in',
    file('.csr'),
    '-signkey',
    file('.key'),
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '3650',
    '-extfile',
    file('.ext'),
    '-out',
    file('.pem'),
  ]);
}

/** Runs one openssl command, the one tool every certificate here is made with. */
export async function openssl(args: readonly string[]): Promise<void> {
  const result = await runCommand('openssl', args).catch((error: unknown) => {
    throw new LocalKafkaError(
      `openssl is needed to make the broker's certificates and could not be run ` +
        `(${String(error)}): apt-get install openssl (macOS ships one)`,
    );
  });
  if (result.code !== 0)
    throw new LocalKafkaError(`openssl ${args[0]} failed: ${result.output.trim()}`);
}
