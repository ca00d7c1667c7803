/**
 * `npx tsx test/images/prepare-images.ts`: gets the base the Dockerfiles build on (the official
 * image pulled, or the stand-in built) and builds both images once, ahead of the image test,
 * which then finds the base and every layer in podman's store. `.ci/run` runs it in the
 * background, at low priority, while the first pass of the suite runs, so a fresh machine's
 * debootstrap and first builds are not on the image test's path. Exits 0 when no container engine
 * can run here (the image test then says why it skips); a failed build is printed, and the image
 * test builds again and reports it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDockerfile } from '../support/dockerfile.js';
import { buildImage, IMAGE_APPS } from './build-image.js';
import { containerEngine } from './container-engine.js';
import { nodeBaseImage } from './node-base-image.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const e = containerEngine();
if (typeof e === 'string') {
  console.log(`nothing prepared: ${e}`);
} else {
  const froms = new Set(
    IMAGE_APPS.flatMap((app) =>
      parseDockerfile(readFileSync(join(repo, `apps/${app}/Dockerfile`), 'utf8')).map(
        (s) => s.from,
      ),
    ),
  );
  for (const from of froms) {
    const base = nodeBaseImage(e, repo, from);
    console.log(
      `${base.image}${base.standIn ? ` (stand-in for ${from})` : ''}: ready in ${base.seconds.toFixed(0)} s`,
    );
    const built = await Promise.allSettled(IMAGE_APPS.map((app) => buildImage(e, repo, app, base)));
    built.forEach((result, i) => {
      console.log(
        `${IMAGE_APPS[i]}: ${result.status === 'fulfilled' ? `built in ${result.value.toFixed(0)} s` : String(result.reason)}`,
      );
    });
  }
}
