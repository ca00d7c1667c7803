import { createRequire } from 'node:module';
import { FIXED_KAFKAJS_VERSION } from './request-queue-timer-fix.js';

const require = createRequire(import.meta.url);

/**
 * Replaces what one of kafkajs' internal CommonJS modules exports, for the modules that require
 * it later. kafkajs binds such a module once, when the module that uses it loads (`boundBy`), so
 * the swap must come first: it is refused (false) once `boundBy` is loaded, and for a kafkajs
 * version other than the one the replacement was written against. `replace` gets the original.
 */
export function swapKafkajsModule<T>(module: string, boundBy: string, replace: (original: T) => T): boolean {
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== FIXED_KAFKAJS_VERSION) return false;
  if (require.cache[require.resolve(boundBy)] !== undefined) return false;
  const original = require(module) as T;
  const loaded = require.cache[require.resolve(module)];
  if (loaded === undefined) return false;
  loaded.exports = replace(original);
  return true;
}
