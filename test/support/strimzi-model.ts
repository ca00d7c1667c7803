import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMavenJars } from '@demo-kafka/local-kafka';

const MODEL_DIR = fileURLToPath(new URL('../strimzi-model/', import.meta.url));

/** One verdict of Strimzi's API model on a resource: `OK <file> <kind>/<name>` or `ERROR ...: <why>`. */
export interface ModelVerdict {
  readonly ok: boolean;
  readonly line: string;
}

/** Fetches Strimzi's API model (io.strimzi:api, pinned in test/strimzi-model/pom.xml) with Maven, once. */
export function strimziModelClasspath(): Promise<string> {
  return ensureMavenJars(MODEL_DIR, join(MODEL_DIR, '.jars'), "Strimzi's API model jars");
}

/** Reads the kafka.strimzi.io resources in `files` into Strimzi's own Java model and returns its verdict on each. */
export function checkWithStrimziModel(classpath: string, files: readonly string[]): ModelVerdict[] {
  const result = spawnSync(
    'java',
    ['-cp', classpath, join(MODEL_DIR, 'ValidateStrimziResources.java'), ...files],
    { encoding: 'utf8' },
  );
  if (result.error) throw result.error;
  const lines = result.stdout.split('\n').filter((line) => /^(OK|ERROR) /.test(line));
  if (lines.length === 0)
    throw new Error(
      `the Strimzi model check printed no verdict (exit ${result.status}): ${result.stderr.slice(-2000)}`,
    );
  return lines.map((line) => ({ ok: line.startsWith('OK '), line }));
}
