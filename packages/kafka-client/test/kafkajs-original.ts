import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What one of kafkajs' internal modules exports as kafkajs wrote it: loaded once more, beside the swapped one. */
export function kafkajsOriginal<T>(module: string): T {
  const path = require.resolve(module);
  const swapped = require.cache[path];
  delete require.cache[path];
  try {
    return require(path) as T;
  } finally {
    require.cache[path] = swapped;
  }
}
