import { spawn } from 'node:child_process';
import type { ContainerEngine } from './container-engine.js';
import type { NodeBase } from './node-base-image.js';

/** The apps that have an image. */
export const IMAGE_APPS = ['producer', 'consumer'] as const;
export type ImageApp = (typeof IMAGE_APPS)[number];

/** A tag of our own, so the image test never replaces an image a user built (the manifests run :latest). */
export const imageTestTag = (app: ImageApp): string => `localhost/demo-kafka-${app}:image-test`;

/** Builds one app's image from its Dockerfile as it is; resolves with the seconds it took, rejects with the build's last lines. */
export function buildImage(
  e: ContainerEngine,
  repo: string,
  app: ImageApp,
  base: NodeBase,
): Promise<number> {
  const started = Date.now();
  const args = [
    ...e.globalArgs,
    'build',
    ...e.ulimitArgs,
    ...base.buildArgs,
    '--file',
    `apps/${app}/Dockerfile`,
    '--tag',
    imageTestTag(app),
    '.',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(e.command, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve((Date.now() - started) / 1000)
        : reject(
            new Error(
              `podman build apps/${app}/Dockerfile failed (${code}):\n${output.split('\n').slice(-25).join('\n')}`,
            ),
          ),
    );
  });
}
