import { badValue } from './errors.js';
import type { RawValue } from './raw-binding.js';

/** One bootstrap broker. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses a broker list: separated by commas or whitespace, each `host:port`, optionally with a
 * `SASL_SSL://`-style listener prefix, IPv6 literals in brackets.
 */
export function parseBrokers(raw: RawValue, key = 'brokers'): BrokerAddress[] {
  const entries = raw.value.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0)
    throw badValue(key, raw.source, 'is empty; expected host:port[,host:port...]');
  return entries.map((entry) => parseBroker(entry, key, raw.source));
}

function parseBroker(entry: string, key: string, source: string): BrokerAddress {
  if (entry.includes('@')) {
    // user:password@host: never quote it, as the part before "@" may be a password.
    const masked = entry.replace(/^([A-Za-z][A-Za-z0-9_+.-]*:\/\/)?[^@]*@/, '$1***@');
    throw badValue(
      key,
      source,
      `broker "${masked}" carries credentials; give them as "username" and "password" instead`,
    );
  }
  const address = entry.replace(/^[A-Za-z][A-Za-z0-9_+.-]*:\/\//, '').replace(/\/+$/, '');
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(.*))?$/.exec(address);
  let host: string;
  let portText: string | undefined;
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else {
    const colon = address.lastIndexOf(':');
    if (colon !== address.indexOf(':')) {
      throw badValue(
        key,
        source,
        `broker "${entry}" looks like an IPv6 address; write it in brackets, e.g. [${address}]:9094`,
      );
    }
    host = colon === -1 ? address : address.slice(0, colon);
    portText = colon === -1 ? undefined : address.slice(colon + 1);
  }
  if (host === '') throw badValue(key, source, `broker "${entry}" has no host; expected host:port`);
  if (portText === undefined || portText === '') {
    throw badValue(
      key,
      source,
      `broker "${entry}" has no port; expected host:port, e.g. ${host}:9094`,
    );
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw badValue(
      key,
      source,
      `broker "${entry}" has port "${portText}", which is not a number from 1 to 65535`,
    );
  }
  return { host, port };
}

/** The `host:port` form kafkajs takes. */
export function formatBroker({ host, port }: BrokerAddress): string {
  return `${host}:${port}`;
}
