import { join } from 'node:path';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { validateClientCertificate } from '../src/validate-client-certificate.js';
import {
  CA_PEM,
  CLIENT_TLS,
  FIXTURES,
  PASSWORD,
  SECOND_CA_PEM,
  bindingDir,
  configErrorFrom,
  keyBody,
  load,
  removeTempDirs,
  tempDir,
} from './helpers.js';

afterEach(removeTempDirs);

/** A copy of a provider fixture with `changes` applied (undefined removes a file). */
function variant(name: string, changes: Record<string, string | undefined>): string {
  const dir = join(tempDir(), name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  for (const [file, content] of Object.entries(changes)) {
    if (content === undefined) rmSync(join(dir, file));
    else writeFileSync(join(dir, file), content);
  }
  return dir;
}

function errorIn(dir: string, env: Record<string, string> = {}) {
  const error = configErrorFrom(() => load({ KAFKA_BINDING_DIR: dir, ...env }));
  expect(error.message).not.toContain(keyBody(CLIENT_TLS.key));
  return error;
}

describe('the same key under several spellings', () => {
  it('is fine when the values agree after trimming and in any case for the mechanism', () => {
    const dir = variant('strimzi-access-scram', {
      bootstrapServers: '  my-cluster-kafka-bootstrap.kafka.svc:9093 \n',
      saslMechanism: 'scram-sha-512\n',
    });
    expect(load({ KAFKA_BINDING_DIR: dir }).brokers).toEqual([
      'my-cluster-kafka-bootstrap.kafka.svc:9093',
    ]);
  });

  it('names both files and both values when a non-secret value disagrees', () => {
    const dir = variant('strimzi-access-scram', { bootstrapServers: 'elsewhere:9093\n' });
    const error = errorIn(dir);
    expect(error.key).toBe('brokers');
    expect(error.message).toBe(
      `Kafka binding key "brokers" is given twice with different values, in file ${join(dir, 'bootstrap-servers')} ("my-cluster-kafka-bootstrap.kafka.svc:9093") ` +
        `and file ${join(dir, 'bootstrapServers')} ("elsewhere:9093"); make them agree or keep one of them`,
    );
  });

  it('names both files but neither PEM block when the CAs disagree', () => {
    const dir = variant('strimzi-kafkauser-scram', { 'ssl.truststore.crt': SECOND_CA_PEM });
    const error = errorIn(dir);
    expect(error.key).toBe('ca');
    expect(error.message).toContain(join(dir, 'ca.crt'));
    expect(error.message).toContain(join(dir, 'ssl.truststore.crt'));
    expect(error.message).not.toContain('BEGIN CERTIFICATE');
  });

  it('names both files and no key text when two client keys disagree', () => {
    const dir = variant('strimzi-access-tls', { 'user.key': CLIENT_TLS.otherKey });
    const error = errorIn(dir);
    expect(error.key).toBe('key');
    expect(error.message).not.toContain(keyBody(CLIENT_TLS.otherKey));
    expect(error.message).not.toContain('PRIVATE KEY');
  });
});

describe('sasl.jaas.config against the separate keys', () => {
  it('a password that disagrees with the JAAS line is an error that shows neither', () => {
    const dir = variant('strimzi-access-scram', { password: 'another-PASSWORD-value\n' });
    const error = errorIn(dir);
    expect(error.key).toBe('password');
    expect(error.message).toContain(`file ${join(dir, 'password')}`);
    expect(error.message).toContain(`file ${join(dir, 'sasl.jaas.config')}`);
    expect(error.message).not.toContain('another-PASSWORD-value');
  });

  it('a username that disagrees is an error that shows both names', () => {
    const error = errorIn(
      variant('strimzi-access-scram', { username: 'someone-else\n', user: 'someone-else\n' }),
    );
    expect(error.key).toBe('username');
    expect(error.message).toContain('("someone-else" and "demo-user")');
  });

  it('a mechanism that disagrees with the login module is an error', () => {
    const error = errorIn(
      variant('strimzi-access-scram', { 'sasl.mechanism': 'PLAIN\n', saslMechanism: 'PLAIN\n' }),
    );
    expect(error.key).toBe('sasl.jaas.config');
    expect(error.message).toContain('uses the ScramLoginModule, but "sasl.mechanism"');
  });

  it('a JAAS line that cannot be read is an error that does not echo it', () => {
    const error = errorIn(
      variant('strimzi-kafkauser-scram', {
        'sasl.jaas.config': `ScramLoginModule required username="demo-user" password="${PASSWORD}`,
      }),
    );
    expect(error.key).toBe('sasl.jaas.config');
    expect(error.message).toContain('never closed');
  });

  it('KAFKA_PASSWORD (a rotation through the environment) wins over the JAAS line of the files', () => {
    const config = load({
      KAFKA_BINDING_DIR: join(FIXTURES, 'strimzi-kafkauser-scram'),
      KAFKA_PASSWORD: 'r0tated-PASSWORD-value',
    });
    expect(config.origins.password).toBe('env KAFKA_PASSWORD');
  });
});

describe('mutual TLS', () => {
  it('a key that is not the certificate’s is refused, naming both files and the subject', () => {
    const dir = variant('strimzi-kafkauser-tls', { 'user.key': CLIENT_TLS.otherKey });
    const error = errorIn(dir);
    expect(error.key).toBe('key');
    expect(error.message).toBe(
      `Kafka binding key "key" (from file ${join(dir, 'user.key')}): is not the key of the certificate in "cert" (from file ${join(dir, 'user.crt')}, subject CN=demo-user)`,
    );
    expect(error.message).not.toContain(keyBody(CLIENT_TLS.otherKey));
  });

  it("a KafkaUser Secret mounted whole, whose ca.crt is Strimzi's clients CA, is refused with what to mount instead", () => {
    const clientsCa = readFileSync(join(FIXTURES, 'client-tls', 'strimzi-clients-ca.pem'), 'utf8');
    const dir = variant('strimzi-kafkauser-tls', { 'ca.crt': clientsCa });
    const error = errorIn(dir);
    expect(error.key).toBe('ca');
    expect(error.source).toBe(`file ${join(dir, 'ca.crt')}`);
    expect(error.message).toContain("is Strimzi's clients CA");
    expect(error.message).toContain('<cluster>-cluster-ca-cert');
  });

  it('a certificate without a key is refused', () => {
    const error = errorIn(variant('strimzi-kafkauser-tls', { 'user.key': undefined }));
    expect(error.key).toBe('key');
    expect(error.message).toContain('mutual TLS needs both');
  });

  it('an encrypted key is refused with the command that decrypts it', () => {
    const error = errorIn(
      variant('strimzi-kafkauser-tls', { 'user.key': CLIENT_TLS.encryptedKey }),
    );
    expect(error.message).toContain('is an encrypted private key');
    expect(error.message).toContain('openssl pkey');
  });

  it.each([
    ['not PEM', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n', 'is not a PEM private key'],
    [
      'PEM armour around garbage',
      '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n',
      'is not a readable PEM private key',
    ],
  ])('a key that is %s is refused without its text', (_how, key, problem) => {
    const error = errorIn(variant('strimzi-kafkauser-tls', { 'user.key': key }));
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('bm90IGEga2V5');
  });

  it('a certificate that is not PEM is refused', () => {
    const error = errorIn(variant('strimzi-kafkauser-tls', { 'user.crt': 'not a certificate\n' }));
    expect(error.key).toBe('cert');
    expect(error.message).toContain('is not a PEM certificate');
  });

  it('an expired certificate is refused with its end date', () => {
    const error = configErrorFrom(() =>
      validateClientCertificate(
        { value: CLIENT_TLS.cert, source: 'env KAFKA_CERT' },
        { value: CLIENT_TLS.key, source: 'env KAFKA_KEY' },
        new Date('2200-01-01'),
      ),
    );
    expect(error.key).toBe('cert');
    expect(error.message).toMatch(/expired on .* \(subject CN=demo-user\)/);
  });

  describe('a chain with an intermediate CA', () => {
    const chainFile = (name: string): string =>
      readFileSync(join(FIXTURES, 'client-tls', 'chain', name), 'utf8');
    const [leaf, intermediate, leafKey] = [
      chainFile('leaf.crt'),
      chainFile('intermediate.crt'),
      chainFile('leaf.key'),
    ];
    const check = (cert: string) =>
      validateClientCertificate(
        { value: cert, source: 'env KAFKA_CERT' },
        { value: leafKey, source: 'env KAFKA_KEY' },
      );

    it('is accepted leaf first, and handed to TLS whole', () => {
      const certificate = check(leaf + intermediate);
      expect(certificate?.subject).toBe('CN=chain-user');
      expect(certificate?.cert.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    });

    it('given issuer first, is refused with the order to use, not as a wrong key', () => {
      const error = configErrorFrom(() => check(intermediate + leaf));
      expect(error.key).toBe('cert');
      expect(error.message).toBe(
        'Kafka binding key "cert" (from env KAFKA_CERT): holds the certificate of "key" as certificate 2 of 2; put it first (leaf first, then its issuers)',
      );
    });
  });

  it('a plaintext protocol with a certificate is refused', () => {
    const error = errorIn(variant('msk-mtls', { 'security.protocol': 'PLAINTEXT\n' }));
    expect(error.key).toBe('security.protocol');
    expect(error.message).toContain('use SSL');
  });

  it('a username without a password is fine beside a certificate (the principal comes from the certificate)', () => {
    const config = load({ KAFKA_BINDING_DIR: variant('msk-mtls', { username: 'demo-user\n' }) });
    expect(config.kafkaConfig().sasl).toBeUndefined();
  });

  it('the key from KAFKA_KEY_FILE is checked as well', () => {
    const other = join(bindingDir({ 'other.key': CLIENT_TLS.otherKey }), 'other.key');
    const error = configErrorFrom(() =>
      load({
        KAFKA_BROKERS: 'h:9094',
        KAFKA_CERT: CLIENT_TLS.cert,
        KAFKA_KEY_FILE: other,
        KAFKA_CA: CA_PEM,
      }),
    );
    expect(error.source).toBe(`file ${other} (KAFKA_KEY_FILE)`);
  });
});
