import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
/** The built producer inside a checkout. */
export const PRODUCER_MAIN = 'apps/producer/dist/main.js';

/**
 * `BENCH_BASELINE`: another build of the producer to measure beside this one in the same run:
 * a checkout that has been built, or a commit of this repository, which is then exported
 * (git archive, so the repository's worktrees are left alone) beside it under the temporary
 * directory, installed and built once, and reused by later runs. Undefined when not set.
 */
export function baselineCheckout(log: (line: string) => void): string | undefined {
  const wanted = process.env.BENCH_BASELINE?.trim();
  if (!wanted) return undefined;
  if (existsSync(join(wanted, PRODUCER_MAIN))) return wanted;
  const commit = execFileSync('git', ['rev-parse', '--verify', `${wanted}^{commit}`], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();
  const dir = join(tmpdir(), `demo-kafka-baseline-${commit.slice(0, 12)}`);
  if (existsSync(join(dir, PRODUCER_MAIN))) return dir;
  log(`building the baseline ${commit.slice(0, 12)} in ${dir} (once) ...`);
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', commit, dir], {
    cwd: repo,
    stdio: 'inherit',
  });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: dir,
    stdio: 'inherit',
  });
  execFileSync('npm', ['run', '-s', 'build'], { cwd: dir, stdio: 'inherit' });
  return dir;
}
