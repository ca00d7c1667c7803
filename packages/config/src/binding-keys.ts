/**
 * The keys of a Kafka binding, the aliases other brokers' bindings use for them, and the
 * environment variable that sets each one. This is the one definition the loader, the
 * README's configuration reference and the manifest checks read.
 */
export interface BindingKey {
  /** The key as the walkthrough's Secret spells it. */
  readonly name: BindingKeyName;
  /** Other spellings found in bindings (servicebinding.io, Strimzi, Confluent-style). */
  readonly aliases: readonly string[];
  /** The environment variable that sets (and overrides) this key. */
  readonly env: string;
  /** Secret values are never printed, logged or serialised. */
  readonly secret: boolean;
  /** Whether an empty value is meaningful (an empty topic prefix means "no prefix"). */
  readonly mayBeEmpty: boolean;
  /** A variable holding the path of a file with the value (PEM material), if the key has one. */
  readonly fileEnv?: string;
  /** Whether two spellings of the key agree regardless of case (`SCRAM-SHA-512`, `scram-sha-512`). */
  readonly caseInsensitive?: boolean;
}

export type BindingKeyName =
  | 'brokers'
  | 'username'
  | 'password'
  | 'ca'
  | 'topicPrefix'
  | 'name'
  | 'sasl.mechanism'
  | 'security.protocol'
  | 'sasl.jaas.config'
  | 'cert'
  | 'key';

export const BINDING_KEYS: readonly BindingKey[] = [
  {
    name: 'brokers',
    aliases: ['bootstrap-servers', 'bootstrapServers', 'bootstrap.servers'],
    env: 'KAFKA_BROKERS',
    secret: false,
    mayBeEmpty: false,
  },
  { name: 'username', aliases: ['user'], env: 'KAFKA_USERNAME', secret: false, mayBeEmpty: false },
  { name: 'password', aliases: [], env: 'KAFKA_PASSWORD', secret: true, mayBeEmpty: false },
  {
    name: 'ca',
    aliases: ['ca.crt', 'ssl.truststore.crt'],
    env: 'KAFKA_CA',
    secret: false,
    mayBeEmpty: false,
    fileEnv: 'KAFKA_CA_FILE',
  },
  {
    name: 'topicPrefix',
    aliases: ['topic-prefix'],
    env: 'KAFKA_TOPIC_PREFIX',
    secret: false,
    mayBeEmpty: true,
  },
  { name: 'name', aliases: [], env: 'KAFKA_NAME', secret: false, mayBeEmpty: true },
  {
    name: 'sasl.mechanism',
    aliases: ['saslMechanism', 'sasl.mechanisms'],
    env: 'KAFKA_SASL_MECHANISM',
    secret: false,
    mayBeEmpty: false,
    caseInsensitive: true,
  },
  {
    name: 'security.protocol',
    aliases: ['securityProtocol'],
    env: 'KAFKA_SECURITY_PROTOCOL',
    secret: false,
    mayBeEmpty: false,
    caseInsensitive: true,
  },
  // A Java client's JAAS line: the source of username and password when the separate keys are absent.
  {
    name: 'sasl.jaas.config',
    aliases: [],
    env: 'KAFKA_SASL_JAAS_CONFIG',
    secret: true,
    mayBeEmpty: false,
  },
  // Mutual TLS: the client certificate (PEM, leaf first) and its unencrypted PEM private key.
  {
    name: 'cert',
    aliases: ['ssl.keystore.crt', 'user.crt'],
    env: 'KAFKA_CERT',
    secret: false,
    mayBeEmpty: false,
    fileEnv: 'KAFKA_CERT_FILE',
  },
  {
    name: 'key',
    aliases: ['ssl.keystore.key', 'user.key'],
    env: 'KAFKA_KEY',
    secret: true,
    mayBeEmpty: false,
    fileEnv: 'KAFKA_KEY_FILE',
  },
];

/** The CA may also be given as a path to a PEM file, for env-only setups. */
export const CA_FILE_ENV = 'KAFKA_CA_FILE';

/** Every `*_FILE` variable: a path to a PEM file holding the key's value. */
export const FILE_ENVS: readonly string[] = BINDING_KEYS.flatMap((key) =>
  key.fileEnv ? [key.fileEnv] : [],
);

/** Files of a binding directory that are not keys but say what wrote it (servicebinding.io, Strimzi). */
export const METADATA_FILES = ['type', 'provider'] as const;

/** Environment variables that choose where the binding is read from. */
export const SOURCE_ENV = {
  bindingDir: 'KAFKA_BINDING_DIR',
  serviceBindingRoot: 'SERVICE_BINDING_ROOT',
  bindingName: 'KAFKA_BINDING_NAME',
} as const;

/** Every variable the config package reads: the keys, their `_FILE` twins, and where to find the binding. */
export const BINDING_VARIABLES: readonly string[] = [
  ...BINDING_KEYS.map((key) => key.env),
  ...FILE_ENVS,
  ...Object.values(SOURCE_ENV),
];

/** The Secret's own keys, as the service broker writes them (no aliases, no optional extras). */
export const SECRET_KEYS = [
  'brokers',
  'username',
  'password',
  'ca',
  'topicPrefix',
  'name',
] as const;

/** Finds the key a file name or alias stands for. */
export function bindingKeyFor(fileName: string): BindingKey | undefined {
  return BINDING_KEYS.find((k) => k.name === fileName || k.aliases.includes(fileName));
}
