import { isFixedKafkajsVersion, kafkajsRequire } from './kafkajs-version.js';

/**
 * Replaces what one of kafkajs' internal CommonJS modules exports, for the modules that require
 * it later. kafkajs binds such a module once, when the module that uses it loads (`boundBy`), so
 * the swap must come first: it is refused (false) once `boundBy` is loaded, and for a kafkajs
 * version other than the one the replacement was written against. `replace` gets the original.
 */
export function swapKafkajsModule<T>(
  module: string,
  boundBy: string,
  replace: (original: T) => T,
): boolean {
  if (!isFixedKafkajsVersion()) return false;
  if (kafkajsRequire.cache[kafkajsRequire.resolve(boundBy)] !== undefined) return false;
  const original = kafkajsRequire(module) as T;
  const loaded = kafkajsRequire.cache[kafkajsRequire.resolve(module)];
  if (loaded === undefined) return false;
  loaded.exports = replace(original);
  return true;
}
