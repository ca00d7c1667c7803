import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_NODE_VERSION, imageNodePath } from '../../scripts/image-node.js';
import type { ContainerEngine } from './container-engine.js';

/** The base the Dockerfiles' `FROM` resolves to, and the build flags that make it so. */
export interface NodeBase {
  /** The image the Dockerfiles name, e.g. node:26-trixie-slim. */
  readonly from: string;
  /** The image actually used: the official one or the stand-in's tag. */
  readonly image: string;
  readonly standIn: boolean;
  /** Flags for `podman build` (the stand-in takes the place of `from`). */
  readonly buildArgs: readonly string[];
  /** How long getting it took here (0 when it was there already). */
  readonly seconds: number;
}

const run = (e: ContainerEngine, args: string[], timeoutMs: number) =>
  spawnSync(e.command, [...e.globalArgs, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });

/**
 * The official `from` image if it is here or can be pulled; otherwise the stand-in that
 * scripts/node-stand-in.sh builds from Debian and the images' Node (scripts/image-node.ts, its
 * Linux binary for this machine's arch, which podman's containers run on), kept in podman's own
 * image store under a tag that changes with that Node and the script (so a new version or recipe
 * builds a new one, and anything else reuses it). Throws with the reason a stand-in cannot be made.
 */
export function nodeBaseImage(e: ContainerEngine, repo: string, from: string): NodeBase {
  const official = from.includes('/') ? from : `docker.io/library/${from}`;
  const started = Date.now();
  if (run(e, ['image', 'exists', official], 30_000).status === 0)
    return { from, image: official, standIn: false, buildArgs: [], seconds: 0 };
  // A registry that cannot be reached answers at once; a slow one gets two minutes.
  if (run(e, ['pull', '--quiet', official], 120_000).status === 0) {
    return {
      from,
      image: official,
      standIn: false,
      buildArgs: [],
      seconds: (Date.now() - started) / 1000,
    };
  }

  const version = IMAGE_NODE_VERSION;
  const major = /^node:(\d+)-/.exec(from)?.[1];
  if (major !== version.split('.')[0]) {
    throw new Error(
      `the Dockerfiles ask for ${from} but scripts/image-node.ts names Node ${version}: the stand-in would be another Node`,
    );
  }
  const script = join(repo, 'scripts/node-stand-in.sh');
  const key = createHash('sha256')
    .update(from)
    .update(version)
    .update(process.arch)
    .update(readFileSync(script))
    .digest('hex')
    .slice(0, 12);
  const image = `localhost/demo-kafka-node-stand-in:${version}-${key}`;
  const buildArgs = ['--build-context', `${from}=container-image://${image}`];
  if (run(e, ['image', 'exists', image], 30_000).status === 0)
    return { from, image, standIn: true, buildArgs, seconds: 0 };
  if (process.getuid?.() !== 0)
    throw new Error(
      `${from} cannot be pulled and the stand-in needs root (debootstrap): run scripts/node-stand-in.sh ${image} as root`,
    );
  // Throws ImageNodeUnavailable with the reason where no Linux binary of it exists for this arch.
  const nodeBinary = imageNodePath({ platform: 'linux', arch: process.arch });
  const built = spawnSync('bash', [script, image, nodeBinary], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (built.status !== 0)
    throw new Error(
      `scripts/node-stand-in.sh failed: ${built.stderr.trim().split('\n').slice(-5).join(' | ')}`,
    );
  return { from, image, standIn: true, buildArgs, seconds: (Date.now() - started) / 1000 };
}
