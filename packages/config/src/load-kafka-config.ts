import type { KafkaConfig } from 'kafkajs';
import { BINDING_KEYS, CA_FILE_ENV, SOURCE_ENV, type BindingKeyName } from './binding-keys.js';
import { ConfigError, badValue } from './errors.js';
import { findBindingDir } from './find-binding-dir.js';
import { KafkaBinding } from './kafka-binding.js';
import { formatBroker, parseBrokers } from './parse-brokers.js';
import type { RawBinding } from './raw-binding.js';
import { readBindingDir } from './read-binding-dir.js';
import { readEnvBinding } from './read-env-binding.js';
import { DEFAULT_SASL_MECHANISM, parseMechanism, parseProtocol, type SecurityProtocol } from './security.js';
import { readBaseSettings } from './settings.js';
import { validateCa } from './validate-ca.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The unprefixed names an app asks for; the binding's `topicPrefix` is put in front of each. */
export interface ResourceNames {
  readonly topic?: string;
  readonly groupId?: string;
  readonly clientId?: string;
}

/**
 * Loads the Kafka binding (mounted Secret, servicebinding.io root, or `KAFKA_*` variables,
 * which override files key by key), validates it and derives a ready kafkajs configuration.
 * Throws a {@link ConfigError} that names the key and its source when anything is wrong.
 */
export function loadKafkaConfig(env: Env = process.env, names: ResourceNames = {}): KafkaBinding {
  const found = findBindingDir(env);
  const raw: RawBinding = found ? readBindingDir(found.dir, found.describedAs) : new Map();
  for (const [key, value] of readEnvBinding(env)) raw.set(key, value);

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
    const where = found ? `${found.describedAs} (${found.dir}) has no "brokers" file and KAFKA_BROKERS is not set` : 'KAFKA_BROKERS is not set';
    throw new ConfigError(`Kafka binding key "brokers" is missing: ${where}`, 'brokers', found ? `dir ${found.dir}` : 'env');
  }
  const brokers = parseBrokers(brokersRaw).map((broker) => {
    // kafkajs 2.2 splits a seed broker on ':' so it cannot dial an IPv6 literal.
    if (broker.host.includes(':')) {
      throw badValue('brokers', brokersRaw.source, `broker [${broker.host}]:${broker.port} is an IPv6 literal, which kafkajs cannot connect to; use a host name`);
    }
    return formatBroker(broker);
  });

  const username = raw.get('username');
  const password = raw.get('password');
  if (password && !username) {
    throw new ConfigError(`Kafka binding has a password (from ${password.source}) but no "username"; set both or neither`, 'username', password.source);
  }
  if (username && !password) {
    throw new ConfigError(`Kafka binding has a username (from ${username.source}) but no "password"; set both or neither`, 'password', username.source);
  }
  const protocolRaw = raw.get('security.protocol');
  const protocol: SecurityProtocol | undefined = protocolRaw ? parseProtocol(protocolRaw) : undefined;
  if (protocolRaw && protocol?.startsWith('SASL_') && !username) {
    throw badValue('security.protocol', protocolRaw.source, `${protocol} needs a "username" and a "password", and the binding has neither`);
  }
  const mechanismRaw = raw.get('sasl.mechanism');
  const mechanism = mechanismRaw ? parseMechanism(mechanismRaw) : DEFAULT_SASL_MECHANISM;

  const caRaw = raw.get('ca');
  const ca = caRaw ? validateCa(caRaw) : undefined;
  if (protocolRaw && (protocol === 'SSL' || protocol === 'PLAINTEXT') && username) {
    throw badValue('security.protocol', protocolRaw.source, `${protocol} sends no credentials, yet the binding has a username and password; use SASL_${protocol}`);
  }
  // Credentials without a protocol mean SASL_SSL, as hosted clusters speak: a password (in clear
  // text with PLAIN) must not cross the network unencrypted unless SASL_PLAINTEXT says so.
  const ssl = protocol ? protocol === 'SSL' || protocol === 'SASL_SSL' : ca !== undefined || username !== undefined;

  const settings = readBaseSettings(env);
  const topicPrefix = raw.get('topicPrefix')?.value ?? '';
  const origins: Partial<Record<BindingKeyName, string>> = {};
  for (const [key, value] of raw) origins[key] = value.source;

  return new KafkaBinding({
    brokers,
    ssl,
    ca,
    sasl: username && password ? { mechanism, username: username.value, password: password.value } : undefined,
    topicPrefix,
    name: raw.get('name')?.value,
    topic: topicPrefix + (names.topic ?? settings.TOPIC),
    groupId: topicPrefix + (names.groupId ?? settings.GROUP_ID),
    clientId: names.clientId ?? settings.CLIENT_ID,
    origins,
    bindingDir: found?.dir,
  });
}

function rejectEmptyValues(raw: RawBinding): void {
  for (const key of BINDING_KEYS) {
    const value = raw.get(key.name);
    if (value && !key.mayBeEmpty && value.value.trim() === '') {
      const hint = key.name === 'ca' ? ` (or unset ${CA_FILE_ENV})` : '';
      throw badValue(key.name, value.source, `is empty; remove it or give it a value${hint}`);
    }
  }
}

export type { KafkaConfig };
