import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { IMAGE_NODE_VERSION, imageNodePathIfAny } from '../../scripts/image-node.js';

/** A Node binary the producer bench runs its servers on. */
export interface NodeBinary {
  readonly label: string;
  readonly path: string;
  readonly version: string;
}

/**
 * The Node of the images (scripts/image-node.ts, fetched on demand; skipped with a log line
 * where no binary of it exists for this platform) first, then the machine's own (the first
 * `node` on PATH outside node_modules). `BENCH_NODES=26` (or `20`, `26,20`) keeps only those majors.
 */
export function nodeBinaries(
  log: (line: string) => void = (line) => console.error(`[bench] ${line}`),
): NodeBinary[] {
  const major = (version: string): string => version.slice(1).split('.')[0] ?? '';
  const wanted = process.env.BENCH_NODES?.split(',').map((m) => m.trim());
  // Not fetched when BENCH_NODES leaves its major out.
  const image =
    !wanted || wanted.includes(IMAGE_NODE_VERSION.split('.')[0] ?? '')
      ? imageNodePathIfAny(undefined, (reason) => log(`the images' Node is skipped: ${reason}`))
      : undefined;
  const machine = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.includes('node_modules'))
    .map((dir) => join(dir, 'node'))
    .find((path) => existsSync(path));
  const paths = [image, machine].filter((p): p is string => p !== undefined);
  // The first of each binary: the images' Node keeps its label where it is also first on PATH.
  const unique = [...new Map(paths.reverse().map((p) => [realpathSync(p), p])).values()].reverse();
  return unique
    .map((path) => {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
      return { label: `Node ${major(version)}${path === image ? ' (image)' : ''}`, path, version };
    })
    .filter((node) => !wanted || wanted.includes(major(node.version)));
}
