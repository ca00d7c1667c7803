import { describe, expect, it } from 'vitest';
import { parseJaas } from '../src/index.js';
import { PASSWORD, configErrorFrom } from './helpers.js';

const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const jaas = (value: string) => ({ value, source: 'file /b/sasl.jaas.config' });

describe('parseJaas reads what Java reads', () => {
  it.each([
    ['double quotes', `${SCRAM} required username="demo" password="${PASSWORD}";`],
    [
      'single quotes (Confluent Cloud writes these)',
      `${SCRAM} required username='demo' password='${PASSWORD}';`,
    ],
    ['bare words', `${SCRAM} required username=demo password=${PASSWORD};`],
    [
      'spread over lines, with comments',
      `${SCRAM}\n  required // the flag\n  username="demo" /* the user */\n  password="${PASSWORD}"\n;`,
    ],
    [
      'no final semicolon (Java insists on one; a hand-made line without it is still clear)',
      `${SCRAM} required username="demo" password="${PASSWORD}"`,
    ],
    [
      'other options around',
      `${SCRAM} required tokenauth=false username="demo" password="${PASSWORD}" extra="x";`,
    ],
    ['quoted option names', `${SCRAM} required "username"="demo" 'password'="${PASSWORD}";`],
    ['the flag in capitals', `${SCRAM} REQUIRED username="demo" password="${PASSWORD}";`],
  ])('%s', (_how, line) => {
    expect(parseJaas(jaas(line))).toEqual({
      module: 'scram',
      username: 'demo',
      password: PASSWORD,
    });
  });

  it('unescapes backslashes inside quotes, as java.io.StreamTokenizer does', () => {
    expect(
      parseJaas(jaas(`${PLAIN} required username="d\\"q" password='it\\'s \\\\ \\101\\tx';`)),
    ).toEqual({
      module: 'plain',
      username: 'd"q',
      password: "it's \\ A\tx",
    });
  });

  it('reads at most three octal digits, and two when the first is 4-7, as StreamTokenizer does', () => {
    expect(
      parseJaas(jaas(`${PLAIN} required username="k" password="\\477\\3770\\08";`)).password,
    ).toBe("'7\xff0\x008");
  });

  it('keeps = and ; inside a quoted password', () => {
    expect(parseJaas(jaas(`${PLAIN} required username="k" password="a=b;c";`)).password).toBe(
      'a=b;c',
    );
  });
});

describe('a JAAS line that cannot be used is an error that never echoes it', () => {
  it.each([
    [
      'an unclosed quote',
      `${SCRAM} required username="demo" password="${PASSWORD};`,
      'never closed',
    ],
    ['no control flag', `${SCRAM} username="demo" password="${PASSWORD}";`, 'no control flag'],
    ['no password', `${SCRAM} required username="demo";`, 'has no password option'],
    ['no username', `${SCRAM} required password="${PASSWORD}";`, 'has no username option'],
    [
      'an empty password',
      `${SCRAM} required username="demo" password="";`,
      'has an empty password option',
    ],
    [
      'a blank username',
      `${SCRAM} required username=' ' password="${PASSWORD}";`,
      'has an empty username option',
    ],
    [
      'an option without a value',
      `${SCRAM} required username="demo" password=;`,
      'cannot be read at character',
    ],
    [
      'two login modules',
      `${SCRAM} required username="a" password="${PASSWORD}"; ${PLAIN} required username="b" password="c";`,
      'more than one login module',
    ],
    ['not JAAS at all', `"${PASSWORD}"`, 'is not a JAAS line'],
    ['a password pasted alone', PASSWORD, 'does not start with a login module class'],
    [
      'a password pasted before the flag',
      `${PASSWORD} required username="demo" password="${PASSWORD}";`,
      'does not start with a login module class',
    ],
    [
      'an unsupported module',
      `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientSecret="${PASSWORD}";`,
      'OAuthBearerLoginModule, which this app does not support',
    ],
  ])('%s', (_how, line, problem) => {
    const error = configErrorFrom(() => parseJaas(jaas(line)));
    expect(error.key).toBe('sasl.jaas.config');
    expect(error.source).toBe('file /b/sasl.jaas.config');
    expect(error.message).toContain(problem);
    expect(error.message).toContain('the line is not shown');
  });
});
