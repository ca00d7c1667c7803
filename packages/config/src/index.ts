export { BINDING_KEYS, CA_FILE_ENV, SECRET_KEYS, SOURCE_ENV, bindingKeyFor, type BindingKey, type BindingKeyName } from './binding-keys.js';
export { ConfigError } from './errors.js';
export { KafkaBinding, type RedactedKafkaConfig } from './kafka-binding.js';
export { loadKafkaConfig, type ResourceNames } from './load-kafka-config.js';
export { parseBrokers, formatBroker, type BrokerAddress } from './parse-brokers.js';
export { DEFAULT_SASL_MECHANISM, SASL_MECHANISMS, SECURITY_PROTOCOLS, type SaslMechanism, type SecurityProtocol } from './security.js';
export { DEFAULT_PORT, LOG_LEVELS, baseSettingsSpec, readBaseSettings, readSettings } from './settings.js';
export { watchKafkaConfig, type ConfigWatch, type WatchOptions } from './watch-kafka-config.js';
