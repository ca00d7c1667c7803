import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalKafkaError } from './errors.js';
import { isInstalled, runCommand } from './run-command.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The pinned pom.xml that names the broker's jars. */
export const POM_DIR = join(packageDir, 'java');
/** Where Maven copies the broker's runtime jars (ignored by git). */
export const JAR_DIR = join(packageDir, '.kafka-jars');
const STAMP = join(JAR_DIR, '.pom-sha256');

/** The Kafka version the pom pins, for reports. */
export function kafkaVersion(): string {
  const pom = readFileSync(join(POM_DIR, 'pom.xml'), 'utf8');
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
}

/** Checks that Java can run the broker, with a message saying what to install if not. */
export async function requireJava(): Promise<void> {
  if (!(await isInstalled('java'))) {
    throw new LocalKafkaError('java was not found on PATH: the local Kafka broker needs Java 17 or newer (e.g. apt-get install openjdk-17-jre-headless)');
  }
}

/**
 * Makes sure the broker's jars are in the cache, asking Maven for them when the cache is
 * missing or was filled from another pom. Returns the classpath.
 */
export async function ensureKafkaJars(log: (line: string) => void = () => {}): Promise<string> {
  const pomHash = createHash('sha256').update(readFileSync(join(POM_DIR, 'pom.xml'))).digest('hex');
  const cached = existsSync(STAMP) && readFileSync(STAMP, 'utf8') === pomHash;
  if (!cached) {
    if (!(await isInstalled('mvn', ['-v']))) {
      throw new LocalKafkaError(`mvn was not found on PATH: Maven fetches the Kafka jars named in ${join(POM_DIR, 'pom.xml')} (e.g. apt-get install maven)`);
    }
    log(`Fetching Apache Kafka ${kafkaVersion()} jars with Maven into ${JAR_DIR} ...`);
    rmSync(JAR_DIR, { recursive: true, force: true });
    const result = await runCommand(
      'mvn',
      ['-B', '-q', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${JAR_DIR}`],
      { cwd: POM_DIR },
    );
    if (result.code !== 0) {
      throw new LocalKafkaError(`Maven could not fetch the Kafka jars (exit ${result.code}):\n${result.output.slice(-4000)}`);
    }
    writeFileSync(STAMP, pomHash);
  }
  const jars = readdirSync(JAR_DIR).filter((name) => name.endsWith('.jar'));
  if (!jars.some((name) => name.startsWith('kafka_'))) {
    throw new LocalKafkaError(`${JAR_DIR} holds no Kafka broker jar; delete the folder and try again`);
  }
  return join(JAR_DIR, '*');
}
