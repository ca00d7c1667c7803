import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** How the image test calls the container engine. */
export interface ContainerEngine {
  readonly command: string;
  /** Flags before the subcommand (the OCI runtime). */
  readonly globalArgs: readonly string[];
  /** Flags every `build` and `run` needs on this machine (ulimits within its hard limits). */
  readonly ulimitArgs: readonly string[];
  readonly runtime: string;
}

const onPath = (tool: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/** This process's hard limit for one resource of /proc/self/limits ("Max open files"), or undefined. */
function hardLimit(name: string): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard === undefined || hard === 'unlimited' ? undefined : Number(hard);
}

/**
 * Podman, with the `runc` runtime where it is installed (`crun` refuses some hosts' cgroup v1
 * layouts) and explicit `nofile`/`nproc` ulimits no higher than this machine's hard limits
 * (podman's defaults can exceed them, and the container then fails to start). A string says
 * why no engine can run here.
 */
export function containerEngine(): ContainerEngine | string {
  if (!onPath('podman')) return 'podman is not installed (apt-get install podman runc debootstrap)';
  const runtime = onPath('runc') ? 'runc' : 'crun';
  const globalArgs = ['--runtime', runtime];
  const info = spawnSync(
    'podman',
    [...globalArgs, 'info', '--format', '{{.Host.OCIRuntime.Name}}'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (info.status !== 0)
    return `podman cannot run here: ${(info.stderr || info.error?.message || '').trim().split('\n').at(-1)}`;
  const nofile = Math.min(hardLimit('Max open files') ?? 65_536, 65_536);
  const nproc = Math.min(hardLimit('Max processes') ?? 8_192, 8_192);
  return {
    command: 'podman',
    globalArgs,
    ulimitArgs: ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`],
    runtime,
  };
}

/** Runs the engine and returns its stdout; throws with its stderr when it fails. */
export function engine(e: ContainerEngine, args: readonly string[], timeoutMs = 120_000): string {
  return execFileSync(e.command, [...e.globalArgs, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
