export { LocalKafkaError } from './errors.js';
export { JAR_DIR, POM_DIR, ensureKafkaJars, ensureMavenJars, kafkaVersion } from './kafka-jars.js';
export { startLocalKafka, type BindingRequest, type KafkaUser, type LocalKafka, type LocalKafkaOptions } from './local-kafka.js';
export { writeBindingDir, type BindingSecret } from './write-binding-dir.js';
export { freePort, freePorts } from './free-port.js';
export { BINDING_FORMATS, bindingFiles, defaultSecurityMode, type BindingFormat, type BindingMaterial } from './binding-formats.js';
export { SECURITY_MODES, type SecurityMode } from './security-modes.js';
export { BINDING_OPTIONS, BINDING_OPTIONS_USAGE, appSettingsFor, bindingChoice, type BindingChoice } from './binding-options.js';
