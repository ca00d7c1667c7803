/**
 * `npm run bench:profile -- <connections> [seconds] [--headers] [--idempotency-key] [--ndjson]`: the built producer under wrk
 * load with `node --cpu-prof` (with `--headers`, three `Kafka-Header-*` per POST, as the bench's
 * header figures; with `--idempotency-key`, a new `Idempotency-Key` in each; with `--ndjson`, one connection streaming a batch of 100-byte records instead), then its top self-time entries. With `--heap`, a sampling heap profile
 * (`--heap-prof`) instead: the functions that allocated most, which is what the GC time is. The profile is left in a temp directory
 * for Chrome DevTools. Runs on the Node that runs this script.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { startLocalKafka } from '@demo-kafka/local-kafka';
import { sourceProcessArgs } from '../../scripts/source-process.js';
import { httpLoad, UNIQUE_ID } from './http-load.js';
import { THREE_HEADERS } from './producer-bench.js';
import { producerEntryPoint, startServer } from '../server-process.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A frame as `name file:line`, the file relative to node_modules or to the repository. */
function frameName(frame: ProfileNode['callFrame'] | undefined): string {
  const file =
    frame?.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(apps|packages)\//, '$1/') ??
    '';
  return `${frame?.functionName || '(anonymous)'} ${file}${file ? `:${(frame?.lineNumber ?? 0) + 1}` : ''}`;
}

/** Self time per function (name, file, line), largest first, as shares of all samples. */
export function topSelfTime(
  profile: Profile,
  count: number,
): Array<{ share: number; name: string }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const key = frameName(byId.get(id)?.callFrame);
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, t]) => ({ share: t / total, name }));
}

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const connections = Number(positional[0] ?? 128);
const seconds = Number(positional[1] ?? 5);
const headers = {
  ...(process.argv.includes('--headers') ? THREE_HEADERS : {}),
  ...(process.argv.includes('--idempotency-key') ? { 'Idempotency-Key': UNIQUE_ID } : {}),
};
const heap = process.argv.includes('--heap');

interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated per function (name, file, line) in a sampling heap profile, largest first. */
function topAllocations(root: HeapNode, count: number): Array<{ share: number; name: string }> {
  const self = new Map<string, number>();
  const visit = (node: HeapNode): void => {
    const key = frameName(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    node.children.forEach(visit);
  };
  visit(root);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => ({ share: bytes / total, name }));
}
const repo = fileURLToPath(new URL('../../', import.meta.url));

/** One connection streaming a batch (ndjson-client-process.ts), as requests/s of records. */
function ndjsonLoad(url: string, forSeconds: number): { rps: number; p50Ms: number } {
  const out = execFileSync(
    process.execPath,
    [
      ...sourceProcessArgs('bench/producer/ndjson-client-process.ts'),
      url,
      String(forSeconds),
      '100',
    ],
    { cwd: repo, encoding: 'utf8' },
  );
  const figures = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { recordsPerSecond: number };
  return { rps: figures.recordsPerSecond, p50Ms: Number.NaN };
}
execFileSync(
  'npm',
  [
    'run',
    '-s',
    'build',
    '-w',
    'packages/config',
    '-w',
    'packages/app-kit',
    '-w',
    'packages/kafka-client',
    '-w',
    'apps/producer',
  ],
  { cwd: repo, stdio: 'inherit' },
);
const dir = mkdtempSync(join(tmpdir(), 'producer-profile-'));
const kafka = await startLocalKafka({ log: () => {} });
try {
  const producer = await startServer({
    name: 'producer',
    node: process.execPath,
    entryPoint: producerEntryPoint(),
    env: {
      KAFKA_BINDING_DIR: kafka.bindingDir,
      TOPIC: `profile-${randomUUID()}`,
      WORKERS: '1',
      ...(process.env.PROFILE_ENV
        ? (JSON.parse(process.env.PROFILE_ENV) as Record<string, string>)
        : {}),
    },
    readyPath: '/readyz',
    nodeOptions: heap
      ? ['--heap-prof', `--heap-prof-dir=${dir}`]
      : ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  const load = process.argv.includes('--ndjson')
    ? await ndjsonLoad(producer.url, seconds)
    : await httpLoad(`${producer.url}/messages`, connections, 1, headers).then(() =>
        httpLoad(`${producer.url}/messages`, connections, seconds, headers),
      );
  await producer.stop();
  const file = readdirSync(dir).find((f) => f.endsWith(heap ? '.heapprofile' : '.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(
    `${connections} connections: ${Math.round(load.rps)} requests/s, p50 ${load.p50Ms} ms; profile ${join(dir, file)}`,
  );
  const profile: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const top = heap
    ? topAllocations((profile as { head: HeapNode }).head, 25)
    : topSelfTime(profile as Profile, 25);
  for (const { share, name } of top) {
    console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
} finally {
  await kafka.stop();
}
