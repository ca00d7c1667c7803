import type { ExtraListener } from './security-modes.js';

/** Everything the broker's server.properties depends on. */
export interface BrokerLayout {
  readonly dataDir: string;
  readonly keystoreFile: string;
  /** SASL_SSL listener: what clients (and the binding) use. */
  readonly clientPort: number;
  /** PLAINTEXT listener: inter-broker traffic and the admin client that writes ACLs. */
  readonly adminPort: number;
  readonly controllerPort: number;
  /** More client listeners (the mutual-TLS one), beside SASL_SSL. */
  readonly extraListeners?: readonly ExtraListener[];
  /** Properties added to, or replacing, the ones below (more SASL mechanisms, per-listener TLS). */
  readonly extraProperties?: Readonly<Record<string, string>>;
}

/**
 * A single-node KRaft broker shaped like the hosted shared plan: SASL_SSL with SCRAM-SHA-256
 * for clients, and an authorizer that denies whatever no ACL allows. `overrides` win over these.
 */
export function brokerProperties(
  layout: BrokerLayout,
  overrides: Readonly<Record<string, string | number>> = {},
): string {
  const { dataDir, keystoreFile, clientPort, adminPort, controllerPort } = layout;
  const extra = layout.extraListeners ?? [];
  const extraListeners = extra.map((l) => `,${l.name}://127.0.0.1:${l.port}`).join('');
  const properties: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `SASL_SSL://127.0.0.1:${clientPort},PLAINTEXT://127.0.0.1:${adminPort},CONTROLLER://127.0.0.1:${controllerPort}${extraListeners}`,
    'advertised.listeners': `SASL_SSL://127.0.0.1:${clientPort},PLAINTEXT://127.0.0.1:${adminPort}${extraListeners}`,
    'listener.security.protocol.map': `SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${extra.map((l) => `,${l.name}:${l.protocol}`).join('')}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-256',
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': keystoreFile,
    'ssl.client.auth': 'none',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // The PLAINTEXT and CONTROLLER listeners authenticate nobody: their principal is ANONYMOUS.
    'super.users': 'User:ANONYMOUS',
    'allow.everyone.if.no.acl.found': 'false',
    'log.dirs': `${dataDir}/log`,
    'num.partitions': 1,
    'auto.create.topics.enable': 'true',
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 4,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'log.cleaner.dedupe.buffer.size': 4 * 1024 * 1024,
    'log.cleaner.threads': 1,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 2,
    ...layout.extraProperties,
    // A cluster node replaces what makes it one of several (node id, quorum, replication).
    ...overrides,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** log4j2: everything at INFO to the broker log file the error messages point at. */
export function log4jProperties(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    'logger.kafka-request.name = kafka.request.logger',
    'logger.kafka-request.level = warn',
    '',
  ].join('\n');
}
