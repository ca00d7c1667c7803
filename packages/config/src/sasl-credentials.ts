import { ConfigError, badValue } from './errors.js';
import { parseJaas } from './parse-jaas.js';
import type { RawBinding, RawValue } from './raw-binding.js';
import { DEFAULT_SASL_MECHANISM, parseMechanism, type SaslMechanism } from './security.js';

/** Username, password and mechanism for SASL, and where each was read. */
export interface SaslCredentials {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
  readonly usernameSource: string;
  readonly passwordSource: string;
}

/**
 * Takes the credentials from `username` and `password`, or from `sasl.jaas.config` when those
 * are absent; both given must agree. A variable overrides a file here as everywhere: a
 * `KAFKA_USERNAME`/`KAFKA_PASSWORD` wins over a JAAS line read from a file, and a
 * `KAFKA_SASL_JAAS_CONFIG` over the `username`/`password` files.
 * `allowUsernameAlone` is for mutual TLS, where a binding may name its user without a password.
 */
export function saslCredentials(
  raw: RawBinding,
  allowUsernameAlone: boolean,
): SaslCredentials | undefined {
  let username = raw.get('username');
  let password = raw.get('password');
  const jaasRaw = raw.get('sasl.jaas.config');
  const mechanismRaw = raw.get('sasl.mechanism');
  let mechanism = mechanismRaw ? parseMechanism(mechanismRaw) : undefined;

  if (jaasRaw) {
    const jaas = parseJaas(jaasRaw);
    const jaasMechanism: SaslMechanism = jaas.module === 'plain' ? 'plain' : 'scram-sha-512';
    if (mechanismRaw && mechanism && (jaas.module === 'plain') !== (mechanism === 'plain')) {
      throw badValue(
        'sasl.jaas.config',
        jaasRaw.source,
        `uses the ${jaas.module === 'plain' ? 'PlainLoginModule' : 'ScramLoginModule'}, but ` +
          `"sasl.mechanism" (from ${mechanismRaw.source}) is ${mechanism}; make them agree`,
      );
    }
    // A SCRAM JAAS line without a mechanism is a Strimzi KafkaUser's, and Strimzi's SCRAM is SCRAM-SHA-512.
    mechanism ??= jaasMechanism;
    username = fromJaas(username, jaasRaw, jaas.username, 'username', false);
    password = fromJaas(password, jaasRaw, jaas.password, 'password', true);
  }

  if (password && !username) {
    throw new ConfigError(
      `Kafka binding has a password (from ${password.source}) but no "username"; set both or neither`,
      'username',
      password.source,
    );
  }
  if (username && !password) {
    if (allowUsernameAlone) return undefined;
    throw new ConfigError(
      `Kafka binding has a username (from ${username.source}) but no "password"; set both or neither`,
      'password',
      username.source,
    );
  }
  if (!username || !password) return undefined;
  return {
    mechanism: mechanism ?? DEFAULT_SASL_MECHANISM,
    username: username.value,
    password: password.value,
    usernameSource: username.source,
    passwordSource: password.source,
  };
}

/** The separate key if it outranks the JAAS line or agrees with it; the JAAS value if the key is absent. */
function fromJaas(
  separate: RawValue | undefined,
  jaasRaw: RawValue,
  jaasValue: string,
  name: string,
  secret: boolean,
): RawValue {
  const fromJaasLine: RawValue = {
    value: jaasValue,
    source: `${jaasRaw.source} (${name} in sasl.jaas.config)`,
    fromEnv: jaasRaw.fromEnv,
  };
  if (!separate) return fromJaasLine;
  if (Boolean(separate.fromEnv) !== Boolean(jaasRaw.fromEnv))
    return separate.fromEnv ? separate : fromJaasLine;
  if (separate.value.trim() === jaasValue.trim()) return separate;
  const values = secret ? '' : ` ("${separate.value.trim()}" and "${jaasValue}")`;
  throw new ConfigError(
    `Kafka binding key "${name}" (from ${separate.source}) disagrees with the ${name} in ` +
      `"sasl.jaas.config" (from ${jaasRaw.source})${values}; make them agree or keep one of them`,
    name,
    separate.source,
  );
}
