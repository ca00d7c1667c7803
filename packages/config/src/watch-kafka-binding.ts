import { lstatSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { loadKafkaBinding } from './load-kafka-binding.js';
import type { KafkaBinding } from './kafka-binding.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Stops a {@link watchKafkaBinding} watch. */
export interface ConfigWatch {
  close(): void;
}

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
  let timer: NodeJS.Timeout | undefined;
  const reload = (): void => {
    timer = undefined;
    try {
      const next = loadKafkaBinding(env, current.names);
      if (next.sameConnectionAs(latest)) return;
      latest = next;
      options.onChange(next);
    } catch (error) {
      options.onError?.(error);
    }
  };
  // The binding directory itself, and the one it sits in: when the directory is a link (a
  // subfolder of a Secret volume, "kafka -> ..data/kafka") the kubelet swaps ..data beside it,
  // and a watch on the link's old target goes deaf once that target is deleted. So the watches
  // are also made anew after every change.
  const watched = lstatSafe(dir)?.isSymbolicLink() ? [dir, dirname(dir)] : [dir];
  let watchers: FSWatcher[] = [];
  let closed = false;
  const rewatch = (): void => {
    watchers.forEach((w) => {
      w.close();
    });
    watchers = [];
    if (closed) return;
    for (const path of watched) {
      try {
        const watcher = watch(path, { persistent: false }, () => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            reload();
            rewatch();
          }, options.debounceMs ?? 200);
        });
        watcher.on('error', (error) => options.onError?.(error));
        watchers.push(watcher);
      } catch (error) {
        options.onError?.(error);
      }
    }
  };
  rewatch();
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
      rewatch();
    },
  };
}

function lstatSafe(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
