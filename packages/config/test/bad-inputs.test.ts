import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigError } from '../src/index.js';
import {
  CA_PEM,
  PASSWORD,
  SECOND_CA_PEM,
  bindingDir,
  configErrorFrom,
  removeTempDirs,
  saslOf,
  tempDir,
  load,
} from './helpers.js';

afterEach(removeTempDirs);

/** A working binding with the fixture password, so that each case has a secret it could leak. */
const good: Readonly<Record<string, string>> = {
  brokers: 'moped-01.srvs.cloudkafka.com:9094\n',
  username: 'abcd1234\n',
  password: `${PASSWORD}\n`,
  ca: CA_PEM,
};

/** Loads `good` with `changes` applied (undefined removes a file) and returns the error. */
function errorFor(changes: Record<string, string | undefined>): {
  error: ConfigError;
  dir: string;
} {
  const files: Record<string, string> = {};
  for (const [name, content] of Object.entries({ ...good, ...changes }))
    if (content !== undefined) files[name] = content;
  const dir = bindingDir(files);
  return { error: configErrorFrom(() => load({ KAFKA_BINDING_DIR: dir })), dir };
}

/** The key is quoted and the file named, as `badValue` words it. */
function expectNamesFile(error: ConfigError, key: string, path: string): void {
  expect(error.key).toBe(key);
  expect(error.source).toBe(`file ${path}`);
  expect(error.message).toContain(`"${key}"`);
  expect(error.message).toContain(path);
}

it('the fixture binding used below loads, so each failure is down to its one change', () => {
  const dir = bindingDir({ ...good });
  expect(saslOf(load({ KAFKA_BINDING_DIR: dir }).kafkaConfig()).password).toBe(PASSWORD);
});

describe('where the binding comes from', () => {
  it('fails with directions when there is no source at all', () => {
    const error = configErrorFrom(() => load({}));
    expect(error.message).toMatch(/^No Kafka binding found/);
    for (const variable of ['KAFKA_BINDING_DIR', 'SERVICE_BINDING_ROOT', 'KAFKA_BROKERS'])
      expect(error.message).toContain(variable);
  });

  it('fails when the binding directory holds none of the keys', () => {
    const dir = bindingDir({ type: 'kafka\n', README: 'nothing here\n' });
    const error = configErrorFrom(() => load({ KAFKA_BINDING_DIR: dir }));
    expect(error.message).toContain(`KAFKA_BINDING_DIR at ${dir} holds none of the binding keys`);
  });

  it('fails when KAFKA_BINDING_DIR does not exist', () => {
    const dir = join(tempDir(), 'not-mounted');
    const error = configErrorFrom(() => load({ KAFKA_BINDING_DIR: dir, KAFKA_PASSWORD: PASSWORD }));
    expect(error.message).toBe(
      `KAFKA_BINDING_DIR is ${dir}, which cannot be read as a directory (ENOENT)`,
    );
  });

  it('fails when SERVICE_BINDING_ROOT does not exist', () => {
    const root = join(tempDir(), 'bindings');
    const error = configErrorFrom(() => load({ SERVICE_BINDING_ROOT: root }));
    expect(error.message).toBe(
      `SERVICE_BINDING_ROOT is ${root}, which cannot be read as a directory (ENOENT)`,
    );
  });

  it('fails when KAFKA_CA_FILE cannot be read', () => {
    const path = join(tempDir(), 'ca.pem');
    const error = configErrorFrom(() => load({ KAFKA_BROKERS: 'h:9094', KAFKA_CA_FILE: path }));
    expect(error.key).toBe('ca');
    expect(error.source).toBe(`file ${path} (KAFKA_CA_FILE)`);
    expect(error.message).toContain('cannot be read (ENOENT)');
  });
});

describe('missing and empty keys', () => {
  it('fails without brokers, naming the directory and the variable that could supply them', () => {
    const { error, dir } = errorFor({ brokers: undefined });
    expect(error.key).toBe('brokers');
    expect(error.source).toBe(`dir ${dir}`);
    expect(error.message).toBe(
      `Kafka binding key "brokers" is missing: KAFKA_BINDING_DIR (${dir}) has no "brokers" (or "bootstrap.servers") file and KAFKA_BROKERS is not set`,
    );
  });

  it.each(['', '\n', '  \n'])('fails on an empty username file (%j)', (content) => {
    const { error, dir } = errorFor({ username: content });
    expectNamesFile(error, 'username', join(dir, 'username'));
    expect(error.message).toContain('is empty');
  });

  it('fails on an empty password file', () => {
    const { error, dir } = errorFor({ password: '\n' });
    expectNamesFile(error, 'password', join(dir, 'password'));
    expect(error.message).toContain('is empty');
  });

  it('fails on an empty CA file and mentions KAFKA_CA_FILE', () => {
    const { error, dir } = errorFor({ ca: '\n' });
    expectNamesFile(error, 'ca', join(dir, 'ca'));
    expect(error.message).toContain('unset KAFKA_CA_FILE');
  });

  it('fails on a password without a username, pointing at the password', () => {
    const { error, dir } = errorFor({ username: undefined });
    expect(error.key).toBe('username');
    expect(error.source).toBe(`file ${join(dir, 'password')}`);
    expect(error.message).toContain('has a password');
    expect(error.message).toContain('no "username"');
  });

  it('fails on a username without a password', () => {
    const { error, dir } = errorFor({ password: undefined });
    expect(error.key).toBe('password');
    expect(error.source).toBe(`file ${join(dir, 'username')}`);
    expect(error.message).toContain('no "password"');
  });

  it('fails on a directory where a key file should be', () => {
    const dir = bindingDir({ brokers: good.brokers ?? '', password: `${PASSWORD}\n` });
    mkdirSync(join(dir, 'username'));
    const error = configErrorFrom(() => load({ KAFKA_BINDING_DIR: dir }));
    expectNamesFile(error, 'username', join(dir, 'username'));
    expect(error.message).toContain('is a directory, expected a file');
  });

  it('fails on a key file that cannot be read (a link to a file the Secret no longer has)', () => {
    const dir = bindingDir({ brokers: good.brokers ?? '', username: good.username ?? '' });
    // A half-swapped Secret volume: the key's link points at a version that is gone.
    symlinkSync(join('..gone', 'password'), join(dir, 'password'));
    const error = configErrorFrom(() => load({ KAFKA_BINDING_DIR: dir }));
    expectNamesFile(error, 'password', join(dir, 'password'));
    expect(error.message).toContain('cannot be read (ENOENT)');
  });

  it('fails when a key is given twice under two spellings', () => {
    const { error, dir } = errorFor({ 'bootstrap-servers': 'other:9094\n' });
    expect(error.key).toBe('brokers');
    expect(error.message).toContain(join(dir, 'bootstrap-servers'));
    expect(error.message).toContain(join(dir, 'brokers'));
    expect(error.message).toContain('given twice');
  });
});

describe('brokers', () => {
  it('fails on a broker without a port and suggests one', () => {
    const { error, dir } = errorFor({ brokers: 'moped-01.srvs.cloudkafka.com\n' });
    expectNamesFile(error, 'brokers', join(dir, 'brokers'));
    expect(error.message).toContain('"moped-01.srvs.cloudkafka.com" has no port');
    expect(error.message).toContain('moped-01.srvs.cloudkafka.com:9094');
  });

  it.each(['host:99999', 'host:abc', 'host:0', 'host:-1'])(
    'fails on the bad port in %s',
    (broker) => {
      const { error, dir } = errorFor({ brokers: `${broker}\n` });
      expectNamesFile(error, 'brokers', join(dir, 'brokers'));
      expect(error.message).toContain(`broker "${broker}" has port`);
      expect(error.message).toContain('not a number from 1 to 65535');
    },
  );

  it('fails on one bad broker among good ones', () => {
    const { error } = errorFor({ brokers: 'a:9094,b,c:9094\n' });
    expect(error.message).toContain('"b" has no port');
  });

  it('names the variable when the brokers come from the environment', () => {
    const error = configErrorFrom(() =>
      load({ KAFKA_BROKERS: 'localhost', KAFKA_USERNAME: 'u', KAFKA_PASSWORD: PASSWORD }),
    );
    expect(error.source).toBe('env KAFKA_BROKERS');
    expect(error.message).toContain('(from env KAFKA_BROKERS)');
  });
});

describe('ca', () => {
  it('fails on a CA that is not PEM', () => {
    const { error, dir } = errorFor({ ca: 'MIIBszCCAVmgAwIBAgIU\n' });
    expectNamesFile(error, 'ca', join(dir, 'ca'));
    expect(error.message).toContain('is not a PEM certificate');
  });

  it('fails on PEM armour around garbage', () => {
    const { error, dir } = errorFor({
      ca: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=!!garbage\n-----END CERTIFICATE-----\n',
    });
    expectNamesFile(error, 'ca', join(dir, 'ca'));
    expect(error.message).toContain('the certificate is not a valid PEM certificate');
  });

  it('says which certificate of a bundle is broken', () => {
    const { error } = errorFor({
      ca: `${CA_PEM}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
    });
    expect(error.message).toContain('certificate 2 of 2 is not a valid PEM certificate');
  });

  it('accepts a bundle of two certificates and trusts both', () => {
    const dir = bindingDir({ ...good, ca: `${CA_PEM}${SECOND_CA_PEM}` });
    expect(load({ KAFKA_BINDING_DIR: dir }).kafkaConfig().ssl).toEqual({
      ca: [CA_PEM, SECOND_CA_PEM],
      rejectUnauthorized: true,
    });
  });

  it('names KAFKA_CA when the bad CA comes from the environment', () => {
    const error = configErrorFrom(() =>
      load({ KAFKA_BROKERS: 'h:9094', KAFKA_CA: 'not a certificate' }),
    );
    expect(error.key).toBe('ca');
    expect(error.source).toBe('env KAFKA_CA');
    expect(error.message).toContain('(from env KAFKA_CA)');
  });
});

describe('mechanism and protocol', () => {
  it('fails on an unknown mechanism and lists the supported ones', () => {
    const { error, dir } = errorFor({ 'sasl.mechanism': 'GSSAPI\n' });
    expectNamesFile(error, 'sasl.mechanism', join(dir, 'sasl.mechanism'));
    expect(error.message).toContain(
      '"GSSAPI" is not supported; use one of scram-sha-256, scram-sha-512, plain',
    );
  });

  it('fails on an unknown protocol', () => {
    const { error, dir } = errorFor({ 'security.protocol': 'TLS\n' });
    expectNamesFile(error, 'security.protocol', join(dir, 'security.protocol'));
    expect(error.message).toContain('"TLS" is not a protocol');
  });

  it('fails on a SASL protocol without credentials', () => {
    const error = configErrorFrom(() =>
      load({ KAFKA_BROKERS: 'h:9094', KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }),
    );
    expect(error.key).toBe('security.protocol');
    expect(error.source).toBe('env KAFKA_SECURITY_PROTOCOL');
    expect(error.message).toContain('SASL_SSL needs a "username" and a "password"');
  });
});

describe('line endings', () => {
  it('strips CRLF as well as LF, for Secrets made on Windows', () => {
    const dir = bindingDir({
      brokers: 'h:9094\r\n',
      username: 'abcd\r\n',
      password: `${PASSWORD}\r\n`,
      topicPrefix: 'abcd-\r\n',
    });
    const config = load({ KAFKA_BINDING_DIR: dir });
    expect(config.brokers).toEqual(['h:9094']);
    expect(saslOf(config.kafkaConfig())).toMatchObject({ username: 'abcd', password: PASSWORD });
    expect(config.topic).toBe('abcd-default');
  });
});

describe('credentials in the wrong place', () => {
  it('refuses a broker URL that carries user:password@ and never quotes the password', () => {
    const error = configErrorFrom(() =>
      load({ KAFKA_BROKERS: `SASL_SSL://abcd1234:${PASSWORD}@broker.example.com:9094` }),
    );
    expect(error.message).toBe(
      'Kafka binding key "brokers" (from env KAFKA_BROKERS): broker "SASL_SSL://***@broker.example.com:9094" carries credentials; give them as "username" and "password" instead',
    );
  });

  it('refuses SSL or PLAINTEXT with a username and password, which those protocols would not send', () => {
    for (const protocol of ['SSL', 'PLAINTEXT']) {
      const error = configErrorFrom(() =>
        load({
          KAFKA_BROKERS: 'h:9094',
          KAFKA_USERNAME: 'abcd1234',
          KAFKA_PASSWORD: PASSWORD,
          KAFKA_SECURITY_PROTOCOL: protocol,
        }),
      );
      expect(error.key).toBe('security.protocol');
      expect(error.message).toContain(`use SASL_${protocol}`);
    }
  });
});
