/**
 * The images as the Kubernetes walkthrough runs them: both Dockerfiles built as they are (on the
 * official Node image, or a stand-in where no registry serves it: docs/images.md), then run with
 * the flags k8s/base asks for, against the run's broker.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { freePort, writeBindingDir } from '@demo-kafka/local-kafka';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  MAX_DEFAULT_WORKERS,
  PRIMARY_MEMORY_BYTES,
  WORKER_MEMORY_BYTES,
} from '../apps/producer/src/cluster/default-workers.js';
import { containerEngine, engine, type ContainerEngine } from './images/container-engine.js';
import { nodeBaseImage, type NodeBase } from './images/node-base-image.js';
import { buildImage, IMAGE_APPS, imageTestTag, type ImageApp } from './images/build-image.js';
import { podRun, type PodRun } from './images/pod-run-flags.js';
import { createTopicAsAdmin } from './support/create-topic.js';
import { parseDockerfile } from './support/dockerfile.js';
import { readTopic } from './support/read-topic.js';
import { NOT_YET_PASSWORD, readyz } from './support/rotating-binding.js';
import { openStream } from './support/sse-client.js';
import { steadyPosts } from './support/steady-posts.js';
import { keepForSecretScan } from './support/test-logger.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const APPS = IMAGE_APPS;
type App = ImageApp;
const MiB = 1024 * 1024;

const found = containerEngine();
if (typeof found === 'string') console.warn(`[images] skipped: ${found}`);
const e = found as ContainerEngine;
const podman = (args: readonly string[], timeoutMs?: number): string => engine(e, args, timeoutMs);

const tagOf = imageTestTag;
const runId = randomUUID().slice(0, 8);
const containers: string[] = [];
const dirs: string[] = [];

const build = (app: App, base: NodeBase): Promise<number> => buildImage(e, REPO, app, base);

/** A Secret volume as the kubelet writes it (`..data` swapped atomically), readable by the pod's user at the manifest's mode. */
function secretVolume(
  secret: Record<string, string>,
  mode: number,
): { dir: string; write(next: Record<string, string>): void } {
  const dir = mkdtempSync(join(tmpdir(), 'image-binding-'));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  writeBindingDir(dir, secret, mode);
  return { dir, write: (next) => writeBindingDir(dir, next, mode) };
}

/** Starts a container detached; its name is removed after the run whatever happens. */
function startContainer(
  app: App,
  flags: readonly string[],
  env: Readonly<Record<string, string>>,
): string {
  const name = `demo-kafka-image-test-${app}-${runId}-${containers.length}`;
  containers.push(name);
  const envFlags = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  podman([
    'run',
    '--detach',
    '--name',
    name,
    '--network',
    'host',
    ...e.ulimitArgs,
    ...flags,
    ...envFlags,
    tagOf(app),
  ]);
  return name;
}

const logsOf = (name: string): string => {
  const result = spawnSync(e.command, [...e.globalArgs, 'logs', name], { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`;
};
const jsonLines = (text: string): Record<string, unknown>[] =>
  text.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
/** A Node one-liner in a fresh container of `app`'s image, with extra flags; its stdout parsed as JSON. */
const nodeIn = (app: App, flags: readonly string[], script: string): unknown =>
  JSON.parse(
    podman([
      'run',
      '--rm',
      ...e.ulimitArgs,
      ...flags,
      '--entrypoint',
      'node',
      tagOf(app),
      '--input-type=module',
      '-e',
      script,
    ]),
  );

afterAll(() => {
  for (const name of containers) {
    keepForSecretScan(logsOf(name));
    spawnSync(e.command, [...e.globalArgs, 'rm', '--force', '--time', '0', name], {
      stdio: 'ignore',
    });
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(typeof found === 'string')(
  'the images, built from the Dockerfiles and run as k8s/base runs them',
  () => {
    let base: NodeBase;
    const seconds: Record<string, number> = {};

    beforeAll(async () => {
      const froms = new Set(
        APPS.flatMap((app) =>
          parseDockerfile(readFileSync(join(REPO, `apps/${app}/Dockerfile`), 'utf8')).map(
            (s) => s.from,
          ),
        ),
      );
      expect(froms.size, 'both Dockerfiles build on one base').toBe(1);
      base = nodeBaseImage(e, REPO, [...froms][0] ?? '');
      seconds.base = base.seconds;
      // Side by side: each build waits on the registry as much as on the CPU.
      const [producer, consumer] = await Promise.all(APPS.map((app) => build(app, base)));
      Object.assign(seconds, { producer, consumer });
      console.log(
        `[images] base ${base.image}${base.standIn ? ` (stand-in for ${base.from})` : ''}: ${seconds.base.toFixed(0)} s; builds: producer ${seconds.producer?.toFixed(0)} s, consumer ${seconds.consumer?.toFixed(0)} s (side by side), ${e.runtime}`,
      );
    }, 900_000);

    it.each(APPS)(
      '%s: its own layers are small, hold no build tool, dev dependency, source, cache or secret, and the app user can change none of its files',
      (app) => {
        const sizeOf = (image: string): number =>
          Number(podman(['image', 'inspect', '--format', '{{.Size}}', image]).trim());
        const own = sizeOf(tagOf(app)) - sizeOf(base.image);
        console.log(
          `[images] ${app}: ${(own / MiB).toFixed(1)} MiB of its own beside the base's ${(sizeOf(base.image) / MiB).toFixed(0)} MiB`,
        );
        // The production dependencies are about 47 MiB, 35 of them the OpenTelemetry SDK (loaded only when
        // tracing is on); the build stage's node_modules (TypeScript and the type packages added) is 92.
        expect(own).toBeLessThan(64 * MiB);

        const config = JSON.parse(
          podman(['image', 'inspect', '--format', '{{json .Config}}', tagOf(app)]),
        ) as { User?: string; Env?: string[] };
        expect(config.User).toBe('node');
        expect(
          (config.Env ?? []).filter((v) => /PASSWORD|SECRET|TOKEN|^KAFKA_|_KEY=/i.test(v)),
        ).toEqual([]);

        const inspected = JSON.parse(
          podman([
            'run',
            '--rm',
            ...e.ulimitArgs,
            '--user',
            '0',
            '--read-only',
            '--network',
            'none',
            '--volume',
            `${join(REPO, 'test/images/inspect-image.cjs')}:/inspect.cjs:ro`,
            '--entrypoint',
            'node',
            tagOf(app),
            '/inspect.cjs',
            '1000',
            '1000',
          ]),
        ) as {
          files: number;
          notRootOwned: string[];
          writable: string[];
          sources: string[];
          keys: string[];
          topModules: string[];
          leftovers: string[];
          buildTools: string[];
          tmpEntries: string[];
        };
        expect(inspected.files).toBeGreaterThan(100);
        expect(inspected.notRootOwned, 'files owned by root').toEqual([]);
        expect(inspected.writable, 'files the app user (1000) may change').toEqual([]);
        expect(inspected.sources, 'TypeScript sources').toEqual([]);
        expect(inspected.keys, 'keys, credentials or npm tokens').toEqual([]);
        expect(inspected.leftovers, 'npm and compile caches').toEqual([]);
        expect(inspected.tmpEntries, '/tmp is empty').toEqual([]);
        expect(inspected.buildTools).toEqual([]);
        // What the lockfile marks as needed for development only (pino, say, is both: a test tool and app-kit's logger).
        const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
          packages: Record<string, { dev?: boolean }>;
        };
        // Top-level entries only: a nested copy under a dev tool (string-width, tslib, ...) says nothing of the one the app uses.
        const topLevel = ([path]: [string, unknown]): boolean =>
          path.startsWith('node_modules/') &&
          !path.slice('node_modules/'.length).includes('node_modules/');
        const devOnly = new Set(
          Object.entries(lock.packages)
            .filter((entry) => topLevel(entry) && entry[1].dev)
            .map(([path]) => path.slice('node_modules/'.length)),
        );
        expect(devOnly.has('typescript') && devOnly.has('vitest')).toBe(true);
        expect(
          inspected.topModules.filter((m) => devOnly.has(m)),
          'dev dependencies',
        ).toEqual([]);
        expect(inspected.topModules).toContain('kafkajs');
        expect(inspected.topModules).toContain('@demo-kafka/config');
        expect(inspected.topModules).not.toContain(
          `@demo-kafka/${app === 'producer' ? 'consumer' : 'producer'}`,
        );
        expect(inspected.topModules).not.toContain('@demo-kafka/local-kafka');
      },
    );

    it("defaults the producer's workers to the container's real cgroup limits: one at --cpus 0.5, no more than fit in 256 MiB", () => {
      const decide =
        "const m = await import('/app/apps/producer/dist/cluster/default-workers.js'); console.log(JSON.stringify(m.workerDefault(16)));";
      // As if the node had 16 CPUs: only the cgroup's limits may bring the count down.
      expect(nodeIn('producer', ['--cpus', '0.5'], decide)).toMatchObject({
        workers: 1,
        decidedBy: 'cpu-quota',
        cpuQuota: { cpus: 0.5 },
      });
      const fit = Math.floor((256 * MiB - PRIMARY_MEMORY_BYTES) / WORKER_MEMORY_BYTES);
      expect(fit).toBeLessThan(MAX_DEFAULT_WORKERS);
      expect(nodeIn('producer', ['--memory', `${256 * MiB}b`], decide)).toMatchObject({
        workers: fit,
        decidedBy: 'memory-limit',
        memoryLimit: { bytes: 256 * MiB },
      });
    });

    it('runs both as the manifests say: ready after a Secret rotation, Hello through them, and SIGTERM loses no acknowledged write', async () => {
      const kafka = inject('kafka');
      const topic = `image-${runId}`;
      await createTopicAsAdmin(kafka.adminBroker, {
        topic: `${kafka.topicPrefix}${topic}`,
        numPartitions: 2,
        replicationFactor: kafka.brokers.length >= 3 ? 3 : 1,
      });
      const secret = {
        brokers: kafka.brokers.join(','),
        username: kafka.username,
        password: NOT_YET_PASSWORD,
        ca: kafka.caPem,
        topicPrefix: kafka.topicPrefix,
        name: 'image-test',
      };
      const runs = {} as Record<App, PodRun>;
      const urls = {} as Record<App, string>;
      const names = {} as Record<App, string>;
      const volumes: { write(next: Record<string, string>): void }[] = [];
      for (const app of APPS) {
        // One Secret volume per pod, as each pod's kubelet writes its own.
        const mode =
          podRun(REPO, `k8s/base/${app}-deployment.yaml`, { 'demo-kafka-secret': '/unused' })
            .secretVolumes[0]?.mode ?? 0o644;
        const volume = secretVolume(secret, mode);
        volumes.push(volume);
        const run = podRun(REPO, `k8s/base/${app}-deployment.yaml`, {
          'demo-kafka-secret': volume.dir,
        });
        runs[app] = run;
        expect(run.image.replace(/:.*$/, '')).toBe(`demo-kafka-${app}`);
        // The containers share the host's network (the local broker advertises 127.0.0.1), so each
        // listens on a free port: the image's own PORT must be the manifest's containerPort.
        const imageEnv = JSON.parse(
          podman(['image', 'inspect', '--format', '{{json .Config.Env}}', tagOf(app)]),
        ) as string[];
        expect(imageEnv).toContain(`PORT=${run.containerPort}`);
        const port = await freePort();
        urls[app] = `http://127.0.0.1:${port}`;
        names[app] = startContainer(app, run.flags, {
          PORT: String(port),
          TOPIC: topic,
          LOG_LEVEL: 'info',
        });
      }
      expect(runs.producer.flags).toEqual(
        expect.arrayContaining([
          '--read-only',
          '--cap-drop',
          'ALL',
          '--security-opt',
          'no-new-privileges',
          '--user',
          '1000:1000',
        ]),
      );

      // Up, but refused by Kafka: the Secret's password is not the right one yet.
      for (const app of APPS) {
        try {
          await expect
            .poll(
              () =>
                fetch(`${urls[app]}/healthz`).then(
                  (r) => r.status,
                  () => 0,
                ),
              { timeout: 60_000, interval: 250 },
            )
            .toBe(200);
        } catch (error) {
          throw new Error(
            `the ${app} container never answered /healthz; its output:\n${logsOf(names[app]).split('\n').slice(-15).join('\n')}`,
            { cause: error },
          );
        }
        expect((await readyz(urls[app] ?? '')).status).not.toBe('ready');
      }
      // The kubelet's rotation: a new timestamped folder, then `..data` swapped to it.
      for (const volume of volumes) volume.write({ ...secret, password: kafka.password });
      for (const app of APPS) {
        await expect
          .poll(
            () =>
              readyz(urls[app] ?? '').then(
                (r) => r.status,
                () => 'down',
              ),
            { timeout: 60_000, interval: 250 },
          )
          .toBe('ready');
        expect(
          podman([
            'inspect',
            '--format',
            '{{.RestartCount}} {{.State.Running}}',
            names[app],
          ]).trim(),
        ).toBe('0 true');
      }

      // The producer chose its process count from the container's limits and said which one decided.
      const workers = jsonLines(logsOf(names.producer)).find(
        (line) => typeof line.decidedBy === 'string',
      );
      expect(workers).toMatchObject({
        workers: 1,
        decidedBy: 'cpu-quota',
        cpuQuota: { cpus: runs.producer.cpus },
      });
      expect(workers?.memoryLimit).toMatchObject({ bytes: runs.producer.memoryBytes });

      // The walkthrough: curl -d Hello to the producer, data:Hello on the consumer's stream.
      const stream = await openStream(`${urls.consumer}/messages`);
      try {
        const posted = spawnSync(
          'curl',
          ['-sS', '--max-time', '20', `${urls.producer}/messages`, '-d', 'Hello'],
          { encoding: 'utf8' },
        );
        expect(posted.status, posted.stderr).toBe(0);
        expect(posted.stdout).toBe('Hello');
        await stream.waitForEvents(1, 20_000);
        expect(stream.raw()).toMatch(/^data:Hello$/m);
      } finally {
        stream.close();
      }

      // SIGTERM to both while POSTs keep coming: each exits 0 within the kubelet's grace, and every acknowledged write is in Kafka.
      const posts = steadyPosts(`${urls.producer}/messages`, `term-${runId}`, 20, 15_000);
      await expect
        .poll(() => posts.acknowledged().length, { timeout: 20_000, interval: 50 })
        .toBeGreaterThan(20);
      const signalled = Date.now();
      for (const app of APPS) podman(['kill', '--signal', 'TERM', names[app]]);
      const exits = APPS.map((app) => podman(['wait', names[app]], 60_000).trim());
      const stoppedIn = (Date.now() - signalled) / 1000;
      const outcomes = await posts.stop();
      console.log(
        `[images] SIGTERM: both exited in ${stoppedIn.toFixed(1)} s; ${outcomes.filter((o) => o.status === 200).length} of ${outcomes.length} POSTs acknowledged`,
      );
      expect(exits).toEqual(['0', '0']);
      expect(stoppedIn).toBeLessThan(10);
      const acknowledged = posts.acknowledged();
      const readBinding = mkdtempSync(join(tmpdir(), 'image-read-binding-'));
      dirs.push(readBinding);
      writeBindingDir(readBinding, { ...secret, password: kafka.password });
      const records = await readTopic(readBinding, `${kafka.topicPrefix}${topic}`, (got) => {
        const values = new Set(got.map((r) => r.value?.toString()));
        return acknowledged.every((value) => values.has(value));
      });
      expect(records.map((r) => r.value?.toString())).toEqual(expect.arrayContaining(acknowledged));
    }, 300_000);
  },
);
