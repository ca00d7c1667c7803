import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../', import.meta.url));
const sources = execFileSync('git', ['ls-files', 'apps/*/src/*', 'packages/*/src/*'], {
  cwd: repo,
  encoding: 'utf8',
})
  .split('\n')
  .filter((path) => /\.(ts|js)$/.test(path));
const read = (path: string): string => readFileSync(`${repo}${path}`, 'utf8');

/** An import or require of kafkajs that loads it (type-only imports are erased). */
const RUNTIME_KAFKAJS =
  /^\s*(import\s+(?!type\b)[^;]*?from\s+['"]kafkajs(\/[^'"]*)?['"]|.*\b(require|import)\(\s*['"]kafkajs)/m;
/** The one baseline that must run kafkajs as published, without kafka-client's fixes. */
const UNPATCHED_BASELINE = 'bench/producer/raw-kafkajs-process.ts';

describe('the source tree', () => {
  it('has found the sources', () => {
    expect(sources.length).toBeGreaterThan(100);
  });

  it('holds at most 20 lines over 120 characters in apps/*/src and packages/*/src', () => {
    const long = sources.flatMap((path) =>
      read(path)
        .split('\n')
        .flatMap((line, i) => (line.length > 120 ? [`${path}:${i + 1}`] : [])),
    );
    expect(long.length, long.join('\n')).toBeLessThanOrEqual(20);
  });

  it('loads kafkajs from @demo-kafka/kafka-client only', () => {
    const loading = sources.filter(
      (path) =>
        !path.startsWith('packages/kafka-client/') &&
        path !== UNPATCHED_BASELINE &&
        RUNTIME_KAFKAJS.test(read(path)),
    );
    expect(loading).toEqual([]);
    expect(RUNTIME_KAFKAJS.test(read(UNPATCHED_BASELINE))).toBe(true);
    expect(RUNTIME_KAFKAJS.test("const k = await import('kafkajs');")).toBe(true);
    // The check itself can find one.
    expect(RUNTIME_KAFKAJS.test("import kafkajs from 'kafkajs';")).toBe(true);
    expect(RUNTIME_KAFKAJS.test("import { type Admin, Kafka } from 'kafkajs';")).toBe(true);
    expect(RUNTIME_KAFKAJS.test("import type { KafkaConfig } from 'kafkajs';")).toBe(false);
  });
});
