import { watch, type FSWatcher } from 'node:fs';
import { loadKafkaConfig, type ResourceNames } from './load-kafka-config.js';
import type { KafkaBinding } from './kafka-binding.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Stops a {@link watchKafkaConfig} watch. */
export interface ConfigWatch {
  close(): void;
}

export interface WatchOptions {
  /** Called with the new configuration when the mounted files change what the client connects with. */
  readonly onChange: (config: KafkaBinding) => void;
  /** Called when the changed files do not load (the old configuration stays in use). */
  readonly onError?: (error: unknown) => void;
  /** How long to wait for a burst of file events to settle. */
  readonly debounceMs?: number;
}

/**
 * Watches the binding directory of `current` (a mounted Secret, whose `..data` symlink
 * Kubernetes swaps atomically) and reloads the configuration when it changes.
 * Without a binding directory (environment only) there is nothing to watch.
 */
export function watchKafkaConfig(current: KafkaBinding, options: WatchOptions, env: Env = process.env, names: ResourceNames = {}): ConfigWatch {
  const dir = current.bindingDir;
  if (!dir) return { close: () => {} };
  let latest = current;
  let timer: NodeJS.Timeout | undefined;
  const reload = (): void => {
    timer = undefined;
    try {
      const next = loadKafkaConfig(env, names);
      if (next.sameConnectionAs(latest)) return;
      latest = next;
      options.onChange(next);
    } catch (error) {
      options.onError?.(error);
    }
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(reload, options.debounceMs ?? 200);
    });
  } catch (error) {
    options.onError?.(error);
    return { close: () => {} };
  }
  watcher.on('error', (error) => options.onError?.(error));
  return {
    close: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
