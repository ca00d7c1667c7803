import { inspect } from 'node:util';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { BindingKeyName } from './binding-keys.js';
import { BINDING_SHAPE_NAMES, type BindingShape } from './binding-shape.js';
import type { ResourceNames } from './load-kafka-binding.js';
import type { SaslMechanism } from './security.js';
import type { ClientCertificate } from './validate-client-certificate.js';

/** What {@link KafkaBinding} is built from; the password and key only ever live here and in the kafkajs config. */
export interface KafkaBindingInit {
  readonly brokers: readonly string[];
  readonly ssl: boolean;
  readonly ca: readonly string[] | undefined;
  readonly sasl: { mechanism: SaslMechanism; username: string; password: string } | undefined;
  readonly clientCertificate: ClientCertificate | undefined;
  readonly topicPrefix: string;
  readonly name: string | undefined;
  /** The unprefixed names the app asked for (a reload asks for the same). */
  readonly names: ResourceNames;
  readonly topic: string;
  readonly groupId: string;
  readonly clientId: string;
  readonly origins: Partial<Record<BindingKeyName, string>>;
  readonly bindingDir: string | undefined;
  readonly shape: BindingShape;
  /** Files were read and `KAFKA_*` variables replaced some of their keys. */
  readonly envOverrides: boolean;
}

/** The loaded configuration as it may be logged: where each value came from, no secret. */
export interface RedactedKafkaConfig {
  brokers: string[];
  topic: string;
  groupId: string;
  clientId: string;
  topicPrefix: string;
  name?: string;
  tls: boolean;
  customCa: boolean;
  sasl?: { mechanism: SaslMechanism; username: string; password: '[redacted]' };
  clientCertificate?: { subject: string; key: '[redacted]' };
  /** Which kind of binding was recognised (walkthrough Secret, Strimzi Access Operator Secret, ...). */
  shape: BindingShape;
  sources: Partial<Record<BindingKeyName, string>>;
}

/**
 * A validated Kafka binding: the kafkajs configuration plus the topic and group the app uses.
 * Printing, logging or serialising it shows {@link RedactedKafkaConfig}, never the password or key.
 */
export class KafkaBinding {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly clientId: string;
  readonly topicPrefix: string;
  readonly name: string | undefined;
  /** The unprefixed topic, group and client id the app asked for. */
  readonly names: ResourceNames;
  /** The directory the binding was read from, if any (what `watchKafkaBinding` watches). */
  readonly bindingDir: string | undefined;
  /** Which kind of binding the files were. */
  readonly shape: BindingShape;
  /** Where each key was read: `file <path>` or `env <NAME>`. */
  readonly origins: Readonly<Partial<Record<BindingKeyName, string>>>;
  readonly #init: KafkaBindingInit;

  constructor(init: KafkaBindingInit) {
    this.#init = init;
    this.brokers = init.brokers;
    this.topic = init.topic;
    this.groupId = init.groupId;
    this.clientId = init.clientId;
    this.topicPrefix = init.topicPrefix;
    this.name = init.name;
    this.names = init.names;
    this.bindingDir = init.bindingDir;
    this.shape = init.shape;
    this.origins = init.origins;
  }

  /** A fresh kafkajs configuration; its `sasl.password` and `ssl.key` are readable but hidden from JSON and inspect. */
  kafkaConfig(overrides: Partial<KafkaConfig> = {}): KafkaConfig {
    const { sasl } = this.#init;
    return {
      clientId: this.clientId,
      brokers: [...this.brokers],
      ssl: this.#tlsOptions(),
      ...(sasl ? { sasl: hiddenPassword(sasl) } : {}),
      ...overrides,
    };
  }

  #tlsOptions(): KafkaConfig['ssl'] {
    const { ssl, ca, clientCertificate } = this.#init;
    // kafkajs needs `ssl` set whenever SASL runs over TLS; `true` means the system CAs.
    if (!ssl) return false;
    if (!ca && !clientCertificate) return true;
    const options: ConnectionOptions = { ...(ca ? { ca: [...ca] } : {}), rejectUnauthorized: true };
    if (clientCertificate) {
      // kafkajs copies `ssl` with Object.assign, so the key must stay enumerable; printing hides it.
      Object.assign(options, { cert: clientCertificate.cert, key: clientCertificate.key });
      const redacted = () => ({
        ...(ca ? { ca: [...ca] } : {}),
        rejectUnauthorized: true,
        cert: clientCertificate.cert,
        key: '[redacted]',
      });
      Object.defineProperty(options, 'toJSON', { value: redacted, enumerable: false });
      Object.defineProperty(options, inspect.custom, { value: redacted, enumerable: false });
    }
    return options;
  }

  /** Whether `other` would connect differently (brokers, credentials, certificate or CA changed). */
  sameConnectionAs(other: KafkaBinding): boolean {
    const a = this.#init;
    const b = other.#init;
    return (
      a.brokers.join(',') === b.brokers.join(',') &&
      a.ssl === b.ssl &&
      (a.ca ?? []).join('') === (b.ca ?? []).join('') &&
      a.sasl?.mechanism === b.sasl?.mechanism &&
      a.sasl?.username === b.sasl?.username &&
      a.sasl?.password === b.sasl?.password &&
      a.clientCertificate?.cert === b.clientCertificate?.cert &&
      a.clientCertificate?.key === b.clientCertificate?.key &&
      a.topic === b.topic &&
      a.groupId === b.groupId
    );
  }

  /** The configuration without secrets, for logs and `/readyz`. */
  redacted(): RedactedKafkaConfig {
    const { ssl, ca, sasl, clientCertificate } = this.#init;
    return {
      brokers: [...this.brokers],
      topic: this.topic,
      groupId: this.groupId,
      clientId: this.clientId,
      topicPrefix: this.topicPrefix,
      ...(this.name !== undefined ? { name: this.name } : {}),
      tls: ssl,
      customCa: ca !== undefined,
      ...(sasl
        ? {
            sasl: {
              mechanism: sasl.mechanism,
              username: sasl.username,
              password: '[redacted]' as const,
            },
          }
        : {}),
      ...(clientCertificate
        ? { clientCertificate: { subject: clientCertificate.subject, key: '[redacted]' as const } }
        : {}),
      shape: this.shape,
      sources: { ...this.origins },
    };
  }

  /** One line for a start-up log, naming the kind of binding that was recognised. */
  describe(): string {
    const r = this.redacted();
    const auth = [
      ...(r.clientCertificate ? [`client certificate ${r.clientCertificate.subject}`] : []),
      ...(r.sasl ? [`SASL ${r.sasl.mechanism} as ${r.sasl.username}`] : []),
    ];
    const tls = r.tls ? (r.customCa ? 'TLS (binding CA)' : 'TLS (system CAs)') : 'no TLS';
    const from =
      BINDING_SHAPE_NAMES[this.shape] + (this.#init.envOverrides ? ' with KAFKA_* overrides' : '');
    return (
      `Kafka ${r.brokers.join(',')} (${tls}, ` +
      `${auth.length > 0 ? auth.join(', ') : 'no SASL'}), topic ${r.topic}, group ${r.groupId}; ` +
      `binding: ${from}`
    );
  }

  toJSON(): RedactedKafkaConfig {
    return this.redacted();
  }

  toString(): string {
    return this.describe();
  }

  [inspect.custom](): RedactedKafkaConfig {
    return this.redacted();
  }
}

/**
 * kafkajs reads `sasl.password` when it authenticates; making it non-enumerable keeps it out
 * of JSON.stringify, util.inspect and object spreads of the config by loggers.
 */
function hiddenPassword(sasl: {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}): SASLOptions {
  const options = { mechanism: sasl.mechanism, username: sasl.username } as SASLOptions & {
    password: string;
  };
  Object.defineProperty(options, 'password', { value: sasl.password, enumerable: false });
  const redacted = () => ({
    mechanism: sasl.mechanism,
    username: sasl.username,
    password: '[redacted]',
  });
  Object.defineProperty(options, 'toJSON', { value: redacted, enumerable: false });
  // util.inspect with showHidden, and console.log('%o'), show non-enumerable properties too.
  Object.defineProperty(options, inspect.custom, { value: redacted, enumerable: false });
  return options;
}
