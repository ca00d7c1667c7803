/**
 * `npx tsx test/images/prepare-node-base.ts`: gets the base the Dockerfiles build on (the official
 * image pulled, or the stand-in built) ahead of the image test, which then finds it in podman's
 * store. `.ci/run` runs it in the background, at low priority, while the first pass of the suite
 * runs, so a fresh machine's debootstrap is not on the image test's path. Exits 0 when no
 * container engine can run here (the image test then says why it skips).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDockerfile } from '../support/dockerfile.js';
import { containerEngine } from './container-engine.js';
import { nodeBaseImage } from './node-base-image.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const e = containerEngine();
if (typeof e === 'string') {
  console.log(`no base prepared: ${e}`);
} else {
  const froms = new Set(['producer', 'consumer'].flatMap((app) => parseDockerfile(readFileSync(join(repo, `apps/${app}/Dockerfile`), 'utf8')).map((s) => s.from)));
  for (const from of froms) {
    const base = nodeBaseImage(e, repo, from);
    console.log(`${base.image}${base.standIn ? ` (stand-in for ${from})` : ''}: ready in ${base.seconds.toFixed(0)} s`);
  }
}
