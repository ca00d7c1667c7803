export { LocalKafkaError } from './errors.js';
export { JAR_DIR, POM_DIR, ensureKafkaJars, kafkaVersion } from './kafka-jars.js';
export { startLocalKafka, type KafkaUser, type LocalKafka, type LocalKafkaOptions } from './local-kafka.js';
export { writeBindingDir, type BindingSecret } from './write-binding-dir.js';
export { freePort } from './free-port.js';
export { nodesOf, startLocalKafkaCluster, startLocalKafkaOrCluster, type LocalKafkaCluster, type LocalKafkaClusterOptions } from './local-kafka-cluster.js';
export { KafkaNode } from './kafka-node.js';
export { exitWithParent } from './exit-with-parent.js';
