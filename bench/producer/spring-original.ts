import { existsSync } from 'node:fs';
import { loadKafkaBinding } from '@demo-kafka/config';
import type { ServerOptions } from '../server-process.js';

/**
 * The Spring Boot original this producer replaces (making/demo-kafka-producer, built with
 * `mvn -DskipTests package`), named by `BENCH_SPRING_JAR`, or undefined when none is given.
 */
export function springJar(): string | undefined {
  const jar = process.env.BENCH_SPRING_JAR;
  if (jar === undefined || jar === '') return undefined;
  if (!existsSync(jar)) throw new Error(`BENCH_SPRING_JAR names no file: ${jar}`);
  return jar;
}

/**
 * How to run the Spring original against the bench's broker, with its own settings otherwise
 * (one KafkaTemplate, the Kafka client's defaults): the binding's brokers, SASL and CA go in
 * through SPRING_APPLICATION_JSON, so no credential is on its command line.
 */
export function springServerOptions(jar: string, bindingDir: string, topic: string): ServerOptions {
  const binding = loadKafkaBinding(
    { KAFKA_BINDING_DIR: bindingDir },
    { topic, groupId: 'bench-unused', clientId: 'bench-spring' },
  );
  const { sasl, ssl } = binding.kafkaConfig();
  if (typeof ssl === 'object' && ssl.cert !== undefined)
    throw new Error(
      'BENCH_SPRING_JAR: the bench hands the Spring original SASL credentials and a CA, not a client certificate; bind the bench with SCRAM or PLAIN',
    );
  const kafka: Record<string, string> = {};
  if (sasl && 'password' in sasl) {
    const module =
      sasl.mechanism === 'plain'
        ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
        : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    kafka['sasl.mechanism'] = sasl.mechanism.toUpperCase();
    kafka['sasl.jaas.config'] =
      `${module} required username=${JSON.stringify(sasl.username)} password=${JSON.stringify(sasl.password)};`;
  }
  kafka['security.protocol'] = `${sasl ? 'SASL_' : ''}${ssl ? 'SSL' : 'PLAINTEXT'}`;
  const ca = typeof ssl === 'object' ? ssl.ca : undefined;
  if (ca) {
    kafka['ssl.truststore.type'] = 'PEM';
    kafka['ssl.truststore.certificates'] = [ca].flat().join('\n');
  }
  const settings = {
    sample: { topic: binding.topic },
    spring: { kafka: { 'bootstrap-servers': binding.brokers.join(','), properties: kafka } },
  };
  return {
    name: 'Spring original',
    entryPoint: jar,
    command: (port) => ['java', '-jar', jar, `--server.port=${port}`],
    env: { SPRING_APPLICATION_JSON: JSON.stringify(settings) },
    readyPath: '/actuator/health',
  };
}
