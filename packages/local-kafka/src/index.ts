export { LocalKafkaError } from './errors.js';
export { JAR_DIR, POM_DIR, ensureKafkaJars, ensureMavenJars, kafkaVersion } from './kafka-jars.js';
export {
  startLocalKafka,
  type BindingRequest,
  type KafkaUser,
  type LocalKafka,
  type LocalKafkaOptions,
} from './local-kafka.js';
export {
  BINDING_MODES,
  PRIVATE_BINDING_MODE,
  writeBindingDir,
  type BindingSecret,
} from './write-binding-dir.js';
export { freePort, freePorts } from './free-port.js';
export {
  BINDING_FORMATS,
  bindingFiles,
  defaultSecurityMode,
  type BindingFormat,
  type BindingMaterial,
} from './binding-formats.js';
export { SECURITY_MODES, type SecurityMode } from './security-modes.js';
export { BROKERS_OPTION, MAX_BROKERS, brokerCount } from './brokers-option.js';
export {
  BINDING_OPTIONS,
  BINDING_OPTIONS_USAGE,
  appSettingsFor,
  bindingChoice,
  type BindingChoice,
} from './binding-options.js';
export {
  BROKER_SESSION_TIMEOUT_MS,
  nodesOf,
  startLocalKafkaCluster,
  startLocalKafkaOrCluster,
  type LocalKafkaCluster,
  type LocalKafkaClusterOptions,
} from './local-kafka-cluster.js';
export { KafkaNode } from './kafka-node.js';
export { exitWithParent } from './exit-with-parent.js';
export { createBrokerTls, type BrokerTls } from './certificates.js';
