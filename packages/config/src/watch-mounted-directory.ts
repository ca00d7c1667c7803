import { lstatSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** Stops a watch. */
export interface ConfigWatch {
  close(): void;
}

export interface DirectoryWatchOptions {
  /** Called once a burst of file events has settled. */
  readonly onChange: () => void;
  readonly onError?: (error: unknown) => void;
  /** How long to wait for a burst of file events to settle (default 200 ms). */
  readonly debounceMs?: number;
}

/**
 * Watches a mounted directory (a Secret volume, whose `..data` symlink Kubernetes swaps
 * atomically) and calls `onChange` after each change has settled.
 */
export function watchMountedDirectory(dir: string, options: DirectoryWatchOptions): ConfigWatch {
  let timer: NodeJS.Timeout | undefined;
  // The directory itself, and the one it sits in: when the directory is a link (a subfolder of
  // a Secret volume, "kafka -> ..data/kafka") the kubelet swaps ..data beside it, and a watch on
  // the link's old target goes deaf once that target is deleted. So the watches are also made
  // anew after every change.
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
            timer = undefined;
            options.onChange();
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
