import { loadKafkaBinding } from './load-kafka-binding.js';
import type { KafkaBinding } from './kafka-binding.js';
import { watchMountedDirectory, type ConfigWatch } from './watch-mounted-directory.js';

export type { ConfigWatch };

type Env = Readonly<Record<string, string | undefined>>;

export interface WatchOptions {
  /** Called with the new binding when the mounted files change what the client connects with. */
  readonly onChange: (binding: KafkaBinding) => void;
  /** Called when the changed files do not load (the old configuration stays in use). */
  readonly onError?: (error: unknown) => void;
  /** How long to wait for a burst of file events to settle. */
  readonly debounceMs?: number;
}

/**
 * Watches the binding directory of `current` (a mounted Secret, whose `..data` symlink
 * Kubernetes swaps atomically) and reloads the binding, for the same names, when it changes.
 * Without a binding directory (environment only) there is nothing to watch.
 */
export function watchKafkaBinding(
  current: KafkaBinding,
  options: WatchOptions,
  env: Env = process.env,
): ConfigWatch {
  const dir = current.bindingDir;
  if (!dir) return { close: () => {} };
  let latest = current;
  return watchMountedDirectory(dir, {
    onChange: () => {
      try {
        const next = loadKafkaBinding(env, current.names);
        if (next.sameConnectionAs(latest)) return;
        latest = next;
        options.onChange(next);
      } catch (error) {
        options.onError?.(error);
      }
    },
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
  });
}
