import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `npm run kafka -- <args>` as a user would, for options refused before any broker starts. */
function kafkaCli(args: string[]) {
  return spawnSync('npx', ['tsx', '--conditions=source', 'packages/local-kafka/src/cli.ts', ...args], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
}

describe('npm run kafka options', () => {
  it('lists the binding formats and security modes in its help', () => {
    const result = kafkaCli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--binding-format walkthrough|strimzi-access|strimzi-user');
    expect(result.stdout).toContain('--security scram-sha-256|scram-sha-512|plain|mtls');
  }, 30_000);

  it.each([
    [['--binding-format', 'confluent'], '--binding-format must be one of walkthrough, strimzi-access, strimzi-user, not "confluent"'],
    [['--security', 'gssapi'], '--security must be one of scram-sha-256, scram-sha-512, plain, mtls, not "gssapi"'],
    [['--binding-format', 'strimzi-user', '--security', 'plain'], 'a Strimzi user authenticates with scram-sha-512 or mtls, not plain'],
  ])('refuses %j with exit 2 before starting a broker', (args, message) => {
    const result = kafkaCli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).not.toContain('KAFKA_BINDING_DIR=');
  }, 30_000);
});
