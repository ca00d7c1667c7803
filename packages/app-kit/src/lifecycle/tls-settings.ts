import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ConfigError } from '@demo-kafka/config';
import { str } from 'envalid';

/** The settings of the HTTPS listener, shared by both apps. */
export const tlsSettingsSpec = {
  TLS_CERT_FILE: str({
    default: '',
    desc: 'PEM certificate (chain) to serve HTTPS with, reloaded when it changes; with TLS_KEY_FILE; empty: plain HTTP',
  }),
  TLS_KEY_FILE: str({ default: '', desc: 'its PEM private key (never logged)' }),
};

/** Where the HTTPS listener's certificate and key are read from. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** What the listener is given, and what may be logged of it. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The leaf's subject and expiry: no secret. */
  readonly described: { readonly subject: string; readonly validTo: string };
}

/** The files the settings name, or undefined for plain HTTP; throws ConfigError when only one is set. */
export function tlsFilesOf(settings: {
  readonly TLS_CERT_FILE: string;
  readonly TLS_KEY_FILE: string;
}): TlsFiles | undefined {
  const certFile = settings.TLS_CERT_FILE.trim();
  const keyFile = settings.TLS_KEY_FILE.trim();
  if (certFile === '' && keyFile === '') return undefined;
  if (certFile === '' || keyFile === '') {
    const missing = certFile === '' ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE';
    throw new ConfigError(
      'HTTPS needs both TLS_CERT_FILE and TLS_KEY_FILE (or neither, for plain HTTP)',
      missing,
      `env ${missing}`,
    );
  }
  return { certFile, keyFile };
}

/** Reads and checks the pair: a certificate, an unencrypted key, and that they belong together. */
export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const cert = readOrFail(files.certFile, 'TLS_CERT_FILE');
  const key = readOrFail(files.keyFile, 'TLS_KEY_FILE');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new ConfigError(
      `TLS_CERT_FILE (${files.certFile}) holds no PEM certificate`,
      'TLS_CERT_FILE',
      `file ${files.certFile}`,
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    // Node's message could quote part of the key: ours names the file only.
    throw new ConfigError(
      `TLS_KEY_FILE (${files.keyFile}) holds no unencrypted PEM private key`,
      'TLS_KEY_FILE',
      `file ${files.keyFile}`,
    );
  }
  if (!leaf.checkPrivateKey(privateKey))
    throw new ConfigError(
      `TLS_KEY_FILE (${files.keyFile}) is not the key of the certificate in TLS_CERT_FILE (${files.certFile})`,
      'TLS_KEY_FILE',
      `file ${files.keyFile}`,
    );
  return {
    cert,
    key,
    described: { subject: leaf.subject.replace(/\n/g, ', '), validTo: leaf.validTo },
  };
}

function readOrFail(path: string, name: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`${name} (${path}) cannot be read: ${code}`, name, `file ${path}`);
  }
}
