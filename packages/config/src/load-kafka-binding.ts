import type { KafkaConfig } from 'kafkajs';
import { BINDING_KEYS, SOURCE_ENV, type BindingKeyName } from './binding-keys.js';
import { recogniseShape } from './binding-shape.js';
import { ConfigError, badValue } from './errors.js';
import { findBindingDir } from './find-binding-dir.js';
import { KafkaBinding } from './kafka-binding.js';
import { formatBroker, parseBrokers } from './parse-brokers.js';
import type { RawBinding } from './raw-binding.js';
import { readBindingDir } from './read-binding-dir.js';
import { readEnvBinding } from './read-env-binding.js';
import { saslCredentials } from './sasl-credentials.js';
import { usesTls } from './security.js';
import { validateCa } from './validate-ca.js';
import { validateClientCertificate } from './validate-client-certificate.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The unprefixed names an app uses; the binding's `topicPrefix` is put in front of topic and group. */
export interface ResourceNames {
  readonly topic: string;
  readonly groupId: string;
  readonly clientId: string;
}

/**
 * Loads the Kafka binding (mounted Secret, servicebinding.io root, or `KAFKA_*` variables,
 * which override files key by key), validates it and derives a ready kafkajs configuration for
 * the topic, group and client id the app names. Throws a {@link ConfigError} that names the key
 * and its source when anything is wrong.
 */
export function loadKafkaBinding(env: Env, names: ResourceNames): KafkaBinding {
  const found = findBindingDir(env);
  const files = found ? readBindingDir(found.dir, found.describedAs) : undefined;
  const raw: RawBinding = new Map(files?.values);
  const fromEnv = readEnvBinding(env);
  for (const [key, value] of fromEnv) raw.set(key, value);

  if (raw.size === 0) {
    throw new ConfigError(
      `No Kafka binding found: set ${SOURCE_ENV.bindingDir} to the directory where the binding Secret is mounted, ` +
        `${SOURCE_ENV.serviceBindingRoot} to a servicebinding.io root holding a binding of type kafka, ` +
        `or KAFKA_BROKERS (with KAFKA_USERNAME, KAFKA_PASSWORD and KAFKA_CA for a secured cluster)` +
        (found ? ` (${found.describedAs} at ${found.dir} holds none of the binding keys)` : ''),
    );
  }
  rejectEmptyValues(raw);

  const brokersRaw = raw.get('brokers');
  if (!brokersRaw) {
    const where = found
      ? `${found.describedAs} (${found.dir}) has no "brokers" (or "bootstrap.servers") file and ` +
        `KAFKA_BROKERS is not set`
      : 'KAFKA_BROKERS is not set';
    throw new ConfigError(
      `Kafka binding key "brokers" is missing: ${where}`,
      'brokers',
      found ? `dir ${found.dir}` : 'env',
    );
  }
  const brokers = parseBrokers(brokersRaw).map((broker) => {
    // kafkajs 2.2 splits a seed broker on ':' so it cannot dial an IPv6 literal.
    if (broker.host.includes(':')) {
      throw badValue(
        'brokers',
        brokersRaw.source,
        `broker [${broker.host}]:${broker.port} is an IPv6 literal, which kafkajs cannot connect to; use a host name`,
      );
    }
    return formatBroker(broker);
  });

  const clientCertificate = validateClientCertificate(raw.get('cert'), raw.get('key'));
  const sasl = saslCredentials(raw, clientCertificate !== undefined);
  const caRaw = raw.get('ca');
  const ca = caRaw ? validateCa(caRaw) : undefined;
  const ssl = usesTls(raw.get('security.protocol'), {
    sasl: sasl !== undefined,
    ca: ca !== undefined,
    clientCertificate: clientCertificate !== undefined,
  });

  const topicPrefix = raw.get('topicPrefix')?.value ?? '';
  const origins: Partial<Record<BindingKeyName, string>> = {};
  for (const [key, value] of raw) origins[key] = value.source;
  if (sasl) {
    origins.username = sasl.usernameSource;
    origins.password = sasl.passwordSource;
  }

  return new KafkaBinding({
    brokers,
    ssl,
    ca,
    sasl: sasl
      ? { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password }
      : undefined,
    clientCertificate,
    topicPrefix,
    name: raw.get('name')?.value,
    names,
    topic: topicPrefix + names.topic,
    groupId: topicPrefix + names.groupId,
    clientId: names.clientId,
    origins,
    bindingDir: found?.dir,
    shape: recogniseShape(files, found?.serviceBinding ?? false),
    envOverrides: files !== undefined && fromEnv.size > 0,
  });
}

function rejectEmptyValues(raw: RawBinding): void {
  for (const key of BINDING_KEYS) {
    const value = raw.get(key.name);
    if (value && !key.mayBeEmpty && value.value.trim() === '') {
      const hint = key.fileEnv ? ` (or unset ${key.fileEnv})` : '';
      throw badValue(key.name, value.source, `is empty; remove it or give it a value${hint}`);
    }
  }
}

export type { KafkaConfig };
