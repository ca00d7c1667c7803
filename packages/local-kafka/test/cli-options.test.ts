import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `npm run kafka -- <args>` (or the demo's script) as a user would, for options refused before any broker starts. */
function kafkaCli(args: string[], script = 'packages/local-kafka/src/cli.ts') {
  return spawnSync('npx', ['tsx', '--conditions=source', script, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 30_000,
  });
}
const DEMO = 'scripts/demo.ts';

describe('npm run kafka options', () => {
  it('lists the binding formats and security modes in its help', () => {
    const result = kafkaCli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--binding-format walkthrough|strimzi-access|strimzi-user');
    expect(result.stdout).toContain('--security scram-sha-256|scram-sha-512|plain|mtls');
    expect(result.stdout).toContain('[--brokers N]');
  }, 30_000);

  it('npm run demo lists the same options in its help, and the variables it reads', () => {
    const result = kafkaCli(['--help'], DEMO);
    expect(result.status).toBe(0);
    // The broker's options, as `npm run kafka` lists them, and the demo's own --auth.
    for (const option of [
      'npm run demo -- [--brokers N]',
      '[--binding-format walkthrough|strimzi-access|strimzi-user]',
      '[--security scram-sha-256|scram-sha-512|plain|mtls]',
      '[--auth]',
    ])
      expect(result.stdout).toContain(option);
    expect(result.stdout).toContain(
      'Usage: [PRODUCER_PORT=N] [CONSUMER_PORT=N] [LOG_LEVEL=L] npm run demo',
    );
  }, 30_000);

  it.each([
    [['--brokers', '0'], 'packages/local-kafka/src/cli.ts'],
    [['--brokers', '2.5', '--security', 'mtls'], 'packages/local-kafka/src/cli.ts'],
    [['--brokers', '10'], DEMO],
  ])(
    'refuses %j (%s) with exit 2 and the usage before starting a broker',
    (args, script) => {
      const result = kafkaCli(args, script);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(
        `--brokers takes a whole number from 1 to 9, not "${args[1]}"`,
      );
      expect(result.stderr).toContain('[--brokers N]');
      expect(result.stdout).not.toContain('KAFKA_BINDING_DIR=');
    },
    30_000,
  );

  it.each([
    [
      ['--binding-format', 'confluent'],
      '--binding-format must be one of walkthrough, strimzi-access, strimzi-user, not "confluent"',
    ],
    [
      ['--security', 'gssapi'],
      '--security must be one of scram-sha-256, scram-sha-512, plain, mtls, not "gssapi"',
    ],
    [
      ['--binding-format', 'strimzi-user', '--security', 'plain'],
      'a Strimzi user authenticates with scram-sha-512 or mtls, not plain',
    ],
  ])(
    'refuses %j with exit 2 before starting a broker',
    (args, message) => {
      const result = kafkaCli(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stdout).not.toContain('KAFKA_BINDING_DIR=');
    },
    30_000,
  );
});
