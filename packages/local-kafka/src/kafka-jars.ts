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

/** The Kafka version the pom pins, for reports. */
export function kafkaVersion(): string {
  const pom = readFileSync(join(POM_DIR, 'pom.xml'), 'utf8');
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
}

/** Checks that Java can run the broker, with a message saying what to install if not. */
export async function requireJava(): Promise<void> {
  if (!(await isInstalled('java'))) {
    throw new LocalKafkaError(
      'java was not found on PATH: the local Kafka broker needs Java 17 or newer (e.g. apt-get ' +
        'install openjdk-17-jre-headless, or brew install openjdk@17 on macOS)',
    );
  }
}

/**
 * Makes sure the broker's jars are in the cache, asking Maven for them when the cache is
 * missing or was filled from another pom. Returns the classpath.
 */
export async function ensureKafkaJars(log: (line: string) => void = () => {}): Promise<string> {
  const classpath = await ensureMavenJars(
    POM_DIR,
    JAR_DIR,
    `Apache Kafka ${kafkaVersion()} jars`,
    log,
  );
  if (!readdirSync(JAR_DIR).some((name) => name.startsWith('kafka_') && name.endsWith('.jar'))) {
    throw new LocalKafkaError(
      `${JAR_DIR} holds no Kafka broker jar; delete the folder and try again`,
    );
  }
  return classpath;
}

/**
 * Copies the runtime jars a pinned `pom.xml` in `pomDir` names into `jarDir` with Maven, unless
 * `jarDir` already holds them for this very pom. Returns the classpath (`<jarDir>/*`).
 */
export async function ensureMavenJars(
  pomDir: string,
  jarDir: string,
  what: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  const stamp = join(jarDir, '.pom-sha256');
  const pomHash = createHash('sha256')
    .update(readFileSync(join(pomDir, 'pom.xml')))
    .digest('hex');
  const cached = existsSync(stamp) && readFileSync(stamp, 'utf8') === pomHash;
  if (!cached) {
    if (!(await isInstalled('mvn', ['-v']))) {
      throw new LocalKafkaError(
        `mvn was not found on PATH: Maven fetches the jars named in ${join(pomDir, 'pom.xml')} ` +
          `(e.g. apt-get install maven, or brew install maven on macOS)`,
      );
    }
    log(`Fetching ${what} with Maven into ${jarDir} ...`);
    rmSync(jarDir, { recursive: true, force: true });
    const result = await runCommand(
      'mvn',
      [
        '-B',
        '-q',
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${jarDir}`,
      ],
      { cwd: pomDir },
    );
    if (result.code !== 0) {
      throw new LocalKafkaError(
        `Maven could not fetch the ${what} (exit ${result.code}):\n${result.output.slice(-4000)}`,
      );
    }
    writeFileSync(stamp, pomHash);
  }
  if (!readdirSync(jarDir).some((name) => name.endsWith('.jar'))) {
    throw new LocalKafkaError(`${jarDir} holds no jar; delete the folder and try again`);
  }
  return join(jarDir, '*');
}
