/**
 * `npm run bench:profile -- <connections> [seconds]`: the built producer under wrk load with
 * `node --cpu-prof`, then its top self-time entries. The profile is left in a temp directory
 * for Chrome DevTools. Runs on the Node that runs this script.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { startLocalKafka } from '@demo-kafka/local-kafka';
import { httpLoad } from './http-load.js';
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

/** Self time per function (name, file, line), largest first, as shares of all samples. */
export function topSelfTime(profile: Profile, count: number): Array<{ share: number; name: string }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const file = frame?.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(apps|packages)\//, '$1/') ?? '';
    const key = `${frame?.functionName || '(anonymous)'} ${file}${file ? `:${(frame?.lineNumber ?? 0) + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, t]) => ({ share: t / total, name }));
}

const connections = Number(process.argv[2] ?? 128);
const seconds = Number(process.argv[3] ?? 5);
const repo = fileURLToPath(new URL('../../', import.meta.url));
execFileSync('npm', ['run', '-s', 'build', '-w', 'packages/config', '-w', 'packages/app-kit', '-w', 'apps/producer'], { cwd: repo, stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'producer-profile-'));
const kafka = await startLocalKafka({ log: () => {} });
try {
  const producer = await startServer({
    name: 'producer',
    node: process.execPath,
    entryPoint: producerEntryPoint(),
    env: { KAFKA_BINDING_DIR: kafka.bindingDir, TOPIC: `profile-${randomUUID()}`, WORKERS: '1', ...(process.env.PROFILE_ENV ? JSON.parse(process.env.PROFILE_ENV) as Record<string, string> : {}) },
    readyPath: '/readyz',
    nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  await httpLoad(`${producer.url}/messages`, connections, 1);
  const load = await httpLoad(`${producer.url}/messages`, connections, seconds);
  await producer.stop();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(`${connections} connections: ${Math.round(load.rps)} requests/s, p50 ${load.p50Ms} ms; profile ${join(dir, file)}`);
  for (const { share, name } of topSelfTime(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, 25)) {
    console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
} finally {
  await kafka.stop();
}
