export {
  BINDING_KEYS,
  BINDING_VARIABLES,
  CA_FILE_ENV,
  FILE_ENVS,
  METADATA_FILES,
  SECRET_KEYS,
  SOURCE_ENV,
  bindingKeyFor,
  type BindingKey,
  type BindingKeyName,
} from './binding-keys.js';
export { BINDING_SHAPE_NAMES, type BindingShape } from './binding-shape.js';
export { ConfigError } from './errors.js';
export { KafkaBinding, type RedactedKafkaConfig } from './kafka-binding.js';
export { loadKafkaBinding, type ResourceNames } from './load-kafka-binding.js';
export { parseBrokers, formatBroker, type BrokerAddress } from './parse-brokers.js';
export { parseJaas, type JaasLogin } from './parse-jaas.js';
export {
  DEFAULT_SASL_MECHANISM,
  SASL_MECHANISMS,
  SECURITY_PROTOCOLS,
  type SaslMechanism,
  type SecurityProtocol,
} from './security.js';
export {
  DEFAULT_PORT,
  LOG_LEVELS,
  baseSettingsSpec,
  readBaseSettings,
  readSettings,
  resourceNames,
} from './settings.js';
export { watchKafkaBinding, type ConfigWatch, type WatchOptions } from './watch-kafka-binding.js';
export { watchMountedDirectory, type DirectoryWatchOptions } from './watch-mounted-directory.js';
