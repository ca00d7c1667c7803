import { badValue } from './errors.js';
import type { RawValue } from './raw-binding.js';

/** The login module of a `sasl.jaas.config` line, and the credentials it carries. */
export interface JaasLogin {
  /** PLAIN or SCRAM (the line does not say which SCRAM; `sasl.mechanism` does). */
  readonly module: 'plain' | 'scram';
  readonly username: string;
  readonly password: string;
}

const MODULES: Readonly<Record<string, JaasLogin['module']>> = {
  PlainLoginModule: 'plain',
  ScramLoginModule: 'scram',
};
const FLAGS = ['required', 'requisite', 'sufficient', 'optional'];
/** A qualified Java class name whose last part names a login module: safe to quote in an error. */
const JAVA_CLASS_NAME = /^(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*LoginModule$/;

type Token = { kind: 'word' | 'quoted' | '=' | ';'; text: string; at: number };

/**
 * Reads a Java client's `sasl.jaas.config` line, e.g.
 * `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`,
 * with the quoting Java's parser accepts ("..." or '...' with backslash escapes, bare words,
 * comments). Errors say where the line stops making sense but never quote it: it holds a password.
 */
export function parseJaas(raw: RawValue): JaasLogin {
  const fail = (problem: string): never => {
    throw badValue(
      'sasl.jaas.config',
      raw.source,
      `${problem} (the line is not shown: it holds a password)`,
    );
  };
  const tokens = tokenize(raw.value, fail);
  const [moduleToken, flagToken, ...rest] = tokens;
  if (moduleToken?.kind !== 'word')
    return fail(
      'is not a JAAS line: expected "<LoginModule class> required username=... password=...;"',
    );
  const className = moduleToken.text.split('.').at(-1) ?? '';
  const module = MODULES[className];
  if (!module) {
    // A class name is no secret, and naming it tells the user what is wrong; but a first word
    // that is not one (a password pasted alone) must not be echoed.
    if (!JAVA_CLASS_NAME.test(moduleToken.text))
      return fail(
        'does not start with a login module class; expected "<LoginModule class> required username=... password=...;"',
      );
    return fail(
      `uses the login module ${moduleToken.text}, which this app does not support; use ` +
        `PlainLoginModule or ScramLoginModule`,
    );
  }
  if (flagToken?.kind !== 'word' || !FLAGS.includes(flagToken.text.toLowerCase())) {
    return fail(
      `has no control flag after the login module at character ` +
        `${(flagToken?.at ?? raw.value.length) + 1}; expected "required"`,
    );
  }
  const options = new Map<string, string>();
  let i = 0;
  while (i < rest.length) {
    const name = rest[i];
    if (name?.kind === ';') {
      if (rest.slice(i + 1).length > 0)
        return fail('holds more than one login module; Kafka clients take exactly one');
      break;
    }
    const equals = rest[i + 1];
    const value = rest[i + 2];
    if (
      (name?.kind !== 'word' && name?.kind !== 'quoted') ||
      equals?.kind !== '=' ||
      !value ||
      (value.kind !== 'word' && value.kind !== 'quoted')
    ) {
      return fail(
        `cannot be read at character ${(name?.at ?? 0) + 1}; expected options as name="value"`,
      );
    }
    options.set(name.text, value.text);
    i += 3;
  }
  const username = options.get('username');
  const password = options.get('password');
  if (username === undefined) return fail('has no username option');
  if (password === undefined) return fail('has no password option');
  if (username.trim() === '') return fail('has an empty username option');
  if (password.trim() === '') return fail('has an empty password option');
  return { module, username, password };
}

function tokenize(text: string, fail: (problem: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) fail(`has a comment that is never closed at character ${i + 1}`);
      i = end + 2;
    } else if (c === '=' || c === ';') {
      tokens.push({ kind: c, text: c, at: i });
      i++;
    } else if (c === '"' || c === "'") {
      const [value, end] = quoted(text, i, fail);
      tokens.push({ kind: 'quoted', text: value, at: i });
      i = end;
    } else {
      const match = /^[^\s=;"'/]+/.exec(text.slice(i));
      if (!match) fail(`cannot be read at character ${i + 1}`);
      tokens.push({ kind: 'word', text: match?.[0] ?? '', at: i });
      i += match?.[0].length ?? 1;
    }
  }
  return tokens;
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** A quoted string as java.io.StreamTokenizer reads it: backslash escapes, octal included. */
function quoted(text: string, start: number, fail: (problem: string) => never): [string, number] {
  const quote = text.charAt(start);
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === quote) return [value, i + 1];
    if (c === '\n' || c === '\r') break;
    if (c === '\\' && i + 1 < text.length) {
      const next = text.charAt(i + 1);
      // Three octal digits only when the first is 0-3, so the value fits a byte (\477 is "'" then "7").
      const octal = /^(?:[0-3][0-7]{0,2}|[4-7][0-7]?)/.exec(text.slice(i + 1))?.[0];
      if (octal) {
        value += String.fromCharCode(parseInt(octal, 8));
        i += 1 + octal.length;
      } else {
        value += ESCAPES[next] ?? next;
        i += 2;
      }
      continue;
    }
    value += c;
    i++;
  }
  return fail(`has a quoted value that is never closed, starting at character ${start + 1}`);
}
