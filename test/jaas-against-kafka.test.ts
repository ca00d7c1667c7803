/**
 * `sasl.jaas.config` as our parser reads it against Kafka's own client code (kafka-clients, from
 * the local broker's jars): every line a Java client reads, we read to the same username and
 * password, and every line it refuses, we refuse. Known leniency (a line without its final `;`)
 * is in packages/config/test/jaas.test.ts, not here.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseJaas } from '@demo-kafka/config';
import { ensureKafkaJars } from '@demo-kafka/local-kafka';
import { beforeAll, describe, expect, it } from 'vitest';

const CHECK = fileURLToPath(new URL('./jaas-check/ParseJaasLines.java', import.meta.url));
const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';

/** Lines a Java client accepts, in the quoting and layout variants its parser (java.io.StreamTokenizer) allows. */
const READ = {
  'double quotes': `${SCRAM} required username="demo" password="p4ss-word";`,
  'single quotes': `${PLAIN} required username='KEY123' password='s3cr3t+/=';`,
  'bare words': `${SCRAM} required username=demo password=p4ss_word;`,
  'lines, tabs and comments': `${SCRAM}\n\trequired // the flag\n  username="demo" /* the user */\n  password="pw"\n;`,
  'options in any order, and others around': `${SCRAM} required password="pw" tokenauth=false username="demo" extra="x";`,
  'the flag in any case': `${SCRAM} REQUISITE username="demo" password="pw";`,
  'the flag sufficient': `${SCRAM} sufficient username="demo" password="pw";`,
  'escaped quotes and backslashes': `${PLAIN} required username="d\\"q" password='it\\'s \\\\ \\tx';`,
  'octal escapes': `${PLAIN} required username="k" password="\\101\\477\\3770\\08";`,
  'the other quote inside quotes': `${PLAIN} required username="it's" password='say "hi"';`,
  '= and ; inside quotes': `${PLAIN} required username="k" password="a=b;c";`,
  'quoted option names': `${SCRAM} required "username"="demo" 'password'="pw";`,
  'an option given twice (the last wins)': `${SCRAM} required username="first" username="demo" password="pw";`,
  'non-ASCII in quotes': `${SCRAM} required username="démo" password="pässwörd";`,
} as const;

/** Lines a Java client refuses. */
const REFUSED = {
  'an unclosed quote': `${SCRAM} required username="demo" password="pw;`,
  'no control flag': `${SCRAM} username="demo" password="pw";`,
  'an unknown control flag': `${SCRAM} mandatory username="demo" password="pw";`,
  'an option without a value': `${SCRAM} required username="demo" password=;`,
  'two login modules': `${SCRAM} required username="a" password="b"; ${PLAIN} required username="c" password="d";`,
  'a password alone': 'p4ss-word',
} as const;

type Verdict = { ok: true; module: string; username: string; password: string } | { ok: false };

/** Kafka's verdict on each line, from one Java run. */
function kafkaReads(classpath: string, lines: readonly string[]): Verdict[] {
  const args = lines.map((line) => Buffer.from(line, 'utf8').toString('base64'));
  const result = spawnSync('java', ['-cp', classpath, CHECK, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  const out = result.stdout.split('\n').filter((line) => line !== '');
  if (result.status !== 0 || out.length !== lines.length)
    throw new Error(
      `the Kafka JAAS check failed (exit ${result.status}): ${result.stderr.slice(-2000)}`,
    );
  const text = (b64 = ''): string => Buffer.from(b64, 'base64').toString('utf8');
  return out.map((line) => {
    const [verdict, module, username, password] = line.split(' ');
    return verdict === 'OK'
      ? { ok: true, module: text(module), username: text(username), password: text(password) }
      : { ok: false };
  });
}

const ours = (line: string) => parseJaas({ value: line, source: 'file /b/sasl.jaas.config' });

describe("sasl.jaas.config: our parser against Kafka's", () => {
  let read: Record<string, Verdict> = {};
  beforeAll(async () => {
    const cases = { ...READ, ...REFUSED };
    const verdicts = kafkaReads(await ensureKafkaJars(), Object.values(cases));
    read = Object.fromEntries(
      Object.keys(cases).map((name, i) => [name, verdicts[i] ?? { ok: false }]),
    );
  }, 300_000);

  it.each(Object.entries(READ))(
    '%s: read by Kafka, and by us to the same credentials',
    (name, line) => {
      const kafka = read[name];
      expect(kafka?.ok, 'Kafka reads it').toBe(true);
      if (!kafka?.ok) return;
      const login = ours(line);
      expect({ username: login.username, password: login.password }).toEqual({
        username: kafka.username,
        password: kafka.password,
      });
      expect(login.module).toBe(kafka.module.endsWith('PlainLoginModule') ? 'plain' : 'scram');
    },
  );

  it.each(Object.entries(REFUSED))('%s: refused by Kafka, and by us', (name, line) => {
    expect(read[name]?.ok, 'Kafka refuses it').toBe(false);
    expect(() => ours(line)).toThrow(ConfigError);
  });
});
