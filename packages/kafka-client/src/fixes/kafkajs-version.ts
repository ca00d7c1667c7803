import { createRequire } from 'node:module';

/** The kafkajs release every fix in this folder was written against (its last; kafkajs is unmaintained). */
export const FIXED_KAFKAJS_VERSION = '2.2.4';

/** Loads kafkajs and its internal CommonJS modules as this package resolves them. */
export const kafkajsRequire = createRequire(import.meta.url);

/** The version of the kafkajs this package loads. */
export function installedKafkajsVersion(): string {
  return (kafkajsRequire('kafkajs/package.json') as { version: string }).version;
}

/** Whether the installed kafkajs is the one the fixes were written against. */
export function isFixedKafkajsVersion(): boolean {
  return installedKafkajsVersion() === FIXED_KAFKAJS_VERSION;
}
