import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBindingDir } from '@demo-kafka/local-kafka';
import type { ProvidedKafka } from '../setup/local-kafka.global.js';

/** A password the broker rejects; the run's secret scan looks for it in every log line. */
export const NOT_YET_PASSWORD = 'not-the-password-yet';

/**
 * A copy of the run's binding, mounted as Kubernetes mounts a Secret, that starts with a password
 * the broker rejects; `rotate()` swaps `..data` to the working one, as the kubelet would.
 */
export function rotatingBinding(kafka: ProvidedKafka): { dir: string; rotate(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'rotating-binding-'));
  const secret = {
    brokers: kafka.brokers.join(','),
    username: kafka.username,
    password: NOT_YET_PASSWORD,
    ca: readFileSync(join(kafka.bindingDir, 'ca'), 'utf8'),
    topicPrefix: kafka.topicPrefix,
    name: 'rotating',
  };
  writeBindingDir(dir, secret);
  return { dir, rotate: () => writeBindingDir(dir, { ...secret, password: kafka.password }) };
}

/** `GET /readyz` of an app, parsed. */
export async function readyz(url: string): Promise<{ status: string; reason?: string }> {
  return (await (await fetch(`${url}/readyz`)).json()) as { status: string; reason?: string };
}
