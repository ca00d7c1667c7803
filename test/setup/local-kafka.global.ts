import type { TestProject } from 'vitest/node';
import { startLocalKafka, type LocalKafka } from '@demo-kafka/local-kafka';

/** What the kafka test project gets from the one broker started for the whole run. */
export interface ProvidedKafka {
  readonly bindingDir: string;
  readonly brokers: readonly string[];
  readonly adminBroker: string;
  readonly username: string;
  readonly password: string;
  readonly topicPrefix: string;
  readonly other: { readonly username: string; readonly password: string; readonly topicPrefix: string };
  readonly caPem: string;
  readonly logFile: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: ProvidedKafka;
  }
}

let kafka: LocalKafka | undefined;

export async function setup(project: TestProject): Promise<void> {
  kafka = await startLocalKafka({ log: (line) => console.log(`[local-kafka] ${line}`) });
  const other = kafka.extraUsers[0];
  if (!other) throw new Error('local-kafka started without its second user');
  project.provide('kafka', {
    bindingDir: kafka.bindingDir,
    brokers: kafka.brokers,
    adminBroker: kafka.adminBroker,
    username: kafka.user.username,
    password: kafka.user.password,
    topicPrefix: kafka.user.topicPrefix,
    other: { ...other },
    caPem: kafka.caPem,
    logFile: kafka.logFile,
  });
}

export async function teardown(): Promise<void> {
  await kafka?.stop();
  kafka = undefined;
}
