import { inspect } from 'node:util';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { BindingKeyName } from './binding-keys.js';
import type { SaslMechanism } from './security.js';

/** What {@link KafkaBinding} is built from; the password only ever lives here and in `kafka.sasl`. */
export interface KafkaBindingInit {
  readonly brokers: readonly string[];
  readonly ssl: boolean;
  readonly ca: readonly string[] | undefined;
  readonly sasl: { mechanism: SaslMechanism; username: string; password: string } | undefined;
  readonly topicPrefix: string;
  readonly name: string | undefined;
  readonly topic: string;
  readonly groupId: string;
  readonly clientId: string;
  readonly origins: Partial<Record<BindingKeyName, string>>;
  readonly bindingDir: string | undefined;
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
  sources: Partial<Record<BindingKeyName, string>>;
}

/**
 * A validated Kafka binding: the kafkajs configuration plus the topic and group the app uses.
 * Printing, logging or serialising it shows {@link RedactedKafkaConfig}, never the password.
 */
export class KafkaBinding {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly clientId: string;
  readonly topicPrefix: string;
  readonly name: string | undefined;
  /** The directory the binding was read from, if any (what `watchKafkaConfig` watches). */
  readonly bindingDir: string | undefined;
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
    this.bindingDir = init.bindingDir;
    this.origins = init.origins;
  }

  /** A fresh kafkajs configuration; its `sasl.password` is readable but hidden from JSON and inspect. */
  kafkaConfig(overrides: Partial<KafkaConfig> = {}): KafkaConfig {
    const { ssl, ca, sasl } = this.#init;
    return {
      clientId: this.clientId,
      brokers: [...this.brokers],
      // kafkajs needs `ssl` set whenever SASL runs over TLS; `true` means the system CAs.
      ssl: ssl ? (ca ? { ca: [...ca], rejectUnauthorized: true } : true) : false,
      ...(sasl ? { sasl: hiddenPassword(sasl) } : {}),
      ...overrides,
    };
  }

  /** Whether `other` would connect differently (brokers, credentials or CA changed). */
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
      a.topic === b.topic &&
      a.groupId === b.groupId
    );
  }

  /** The configuration without secrets, for logs and `/readyz`. */
  redacted(): RedactedKafkaConfig {
    const { ssl, ca, sasl } = this.#init;
    return {
      brokers: [...this.brokers],
      topic: this.topic,
      groupId: this.groupId,
      clientId: this.clientId,
      topicPrefix: this.topicPrefix,
      ...(this.name !== undefined ? { name: this.name } : {}),
      tls: ssl,
      customCa: ca !== undefined,
      ...(sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: '[redacted]' as const } } : {}),
      sources: { ...this.origins },
    };
  }

  /** One line for a start-up log. */
  describe(): string {
    const r = this.redacted();
    const auth = r.sasl ? `SASL ${r.sasl.mechanism} as ${r.sasl.username}` : 'no SASL';
    const tls = r.tls ? (r.customCa ? 'TLS (binding CA)' : 'TLS (system CAs)') : 'no TLS';
    return `Kafka ${r.brokers.join(',')} (${tls}, ${auth}), topic ${r.topic}, group ${r.groupId}`;
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
function hiddenPassword(sasl: { mechanism: SaslMechanism; username: string; password: string }): SASLOptions {
  const options = { mechanism: sasl.mechanism, username: sasl.username } as SASLOptions & { password: string };
  Object.defineProperty(options, 'password', { value: sasl.password, enumerable: false });
  const redacted = () => ({ mechanism: sasl.mechanism, username: sasl.username, password: '[redacted]' });
  Object.defineProperty(options, 'toJSON', { value: redacted, enumerable: false });
  // util.inspect with showHidden, and console.log('%o'), show non-enumerable properties too.
  Object.defineProperty(options, inspect.custom, { value: redacted, enumerable: false });
  return options;
}
