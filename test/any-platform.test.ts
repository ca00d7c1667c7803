/**
 * `npm ci && npm run demo` on any developer machine: macOS or Linux, x64 or arm64. Nothing npm
 * installs is tied to one platform unless it is optional, and nothing the demo runs (scripts/demo.ts,
 * the local Kafka launcher, the apps, and what they import) needs a Linux-only command or file.
 * What only Linux has is read where it may be missing, and these tests hold that it may.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MAX_DEFAULT_WORKERS,
  workerDefault,
} from '../apps/producer/src/cluster/default-workers.js';
import { ephemeralRange } from '../packages/local-kafka/src/listen-port.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

interface LockEntry {
  readonly optional?: boolean;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
}

describe('npm ci installs on any platform', () => {
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockEntry> };

  it('installs no package tied to an os or cpu unless it is optional (a platform binary npm skips elsewhere)', () => {
    const tied = Object.entries(lock.packages).filter(
      ([, entry]) => !entry.optional && (entry.os !== undefined || entry.cpu !== undefined),
    );
    expect(
      tied.map(([path, entry]) => `${path} (os ${entry.os ?? '*'}, cpu ${entry.cpu ?? '*'})`),
    ).toEqual([]);
    // The check sees the platform packages that are there: optional ones, for every platform.
    const optionalTied = Object.entries(lock.packages).filter(
      ([, entry]) => entry.optional && entry.os !== undefined,
    );
    expect(optionalTied.some(([path]) => path.includes('darwin-arm64'))).toBe(true);
  });

  const npmMajor = Number(
    spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout?.split('.')[0] ?? 0,
  );
  it('runs an npm that knows --os and --cpu (10 or newer, the devEngines floor)', () => {
    expect(npmMajor).toBeGreaterThanOrEqual(10);
  });

  // The dry run reads the lockfile alone, no registry.
  it.skipIf(!(npmMajor >= 10)).each([
    ['darwin', 'arm64'],
    ['darwin', 'x64'],
    ['linux', 'arm64'],
    ['linux', 'x64'],
  ])(
    'npm ci --dry-run --os=%s --cpu=%s resolves offline, with that platform binary only',
    (os, cpu) => {
      const dir = mkdtempSync(join(tmpdir(), 'any-platform-'));
      try {
        const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] })
          .workspaces;
        for (const file of [
          'package.json',
          'package-lock.json',
          ...workspaces.map((ws) => `${ws}/package.json`),
        ]) {
          mkdirSync(dirname(join(dir, file)), { recursive: true });
          cpSync(join(REPO, file), join(dir, file));
        }
        // The npm running these tests passes its settings (npm_config_*) on; none may reach this npm.
        const env = Object.fromEntries(
          Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)),
        );
        const ci = spawnSync(
          'npm',
          [
            'ci',
            '--dry-run',
            `--os=${os}`,
            `--cpu=${cpu}`,
            '--offline',
            '--cache',
            join(dir, '.npm-cache'),
            '--prefix',
            dir,
            '--ignore-scripts',
            '--no-audit',
            '--no-fund',
          ],
          { cwd: dir, env, encoding: 'utf8', timeout: 20_000 },
        );
        expect(ci.status, ci.stderr).toBe(0);
        const added = ci.stdout.split('\n').filter((line) => line.startsWith('add '));
        expect(
          added.some((line) => line.startsWith(`add @esbuild/${os}-${cpu} `)),
          `${os}-${cpu}'s esbuild binary`,
        ).toBe(true);
        const others = added.filter(
          (line) =>
            /\b(?:android|darwin|freebsd|linux|netbsd|openbsd|sunos|win32|aix|openharmony)-/.test(
              line,
            ) && !line.includes(`${os}-${cpu}`),
        );
        expect(others).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );
});

// ---------------------------------------------------------------------------------------------
// What the demo runs

/** Where each workspace package's `source` export lives (`@demo-kafka/x` and its subpaths). */
function workspaceSource(specifier: string): string | undefined {
  const match = /^(@demo-kafka\/[^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  for (const ws of (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces) {
    const manifest = JSON.parse(read(`${ws}/package.json`)) as {
      name: string;
      exports?: Record<string, { source?: string }>;
    };
    if (manifest.name !== match[1]) continue;
    const source = manifest.exports?.[`.${match[2] ?? ''}`]?.source;
    if (source) return join(ws, source);
  }
  throw new Error(`${specifier}: no workspace exports it from source`);
}

/** The repository's own TypeScript files `file` imports (relative and workspace imports; packages from npm are not followed). */
function importsOf(file: string): string[] {
  const text = read(file);
  const specifiers = [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? '');
  return specifiers.flatMap((specifier) => {
    if (specifier.startsWith('.')) {
      const target = relative(
        REPO,
        resolve(REPO, dirname(file), specifier.replace(/\.js$/, '.ts')),
      );
      // An import the scan cannot follow would hide what stands behind it: said, not skipped.
      if (!existsSync(join(REPO, target)) || !target.endsWith('.ts'))
        throw new Error(`${file} imports ${specifier}, which is no .ts file the scan can read`);
      return [target];
    }
    const source = workspaceSource(specifier);
    return source ? [source] : [];
  });
}

/**
 * Every file the demo runs: scripts/demo.ts and the apps it starts, `npm run kafka` and
 * `npm run kafka:jars` (the launcher alone), and everything they import from this repository.
 */
function demoFiles(): string[] {
  const entries = [
    'scripts/demo.ts',
    'apps/producer/src/main.ts',
    'apps/consumer/src/main.ts',
    'packages/local-kafka/src/cli.ts',
    'packages/local-kafka/src/fetch-jars.ts',
  ];
  const seen = new Set<string>();
  const queue = [...entries];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file));
  }
  return [...seen].sort();
}

/** The code without its comments (a doc comment may well name /proc). */
function code(file: string): string {
  return read(file)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[\s;])\/\/.*$/gm, '$1');
}

/** Commands that every macOS and Linux has, or that the README asks for (Java, Maven, openssl). */
const PORTABLE_COMMANDS = ['java', 'mvn', 'openssl', 'sh', 'sysctl'];

/** What only Linux (or GNU) has: its files, its tools, GNU-only flags. */
const LINUX_ONLY = [
  /\/proc\//,
  /\/sys\/fs\//,
  /\/usr\/s?bin\//,
  /\/bin\/bash\b/,
  /\b(?:setsid|ionice|taskset|stdbuf|lsof|iptables|nsenter|unshare|nproc|prlimit|chrt|systemd-run)\b/,
  /\bss\s+-/,
  /\bip\s+(?:addr|link|route|netns)\b/,
  /\btimeout\s+-?\d/,
  /\breadlink\s+-f\b|\bsed\s+-i\b|\bxargs\s+-r\b|\bdate\s+-d\b|\bstat\s+-c\b|\bgrep\s+-P\b/,
  /\bSIG(?:PWR|STKFLT|POLL|UNUSED|RTMIN|RTMAX)\b/,
];

/**
 * The files on the demo's path that may touch what only Linux has, each reviewed: what it reads
 * there may be missing, and it carries on without it (the tests below run that case).
 */
const LINUX_ONLY_REVIEWED: Record<string, string> = {
  // /proc/sys/net/ipv4/ip_local_port_range on Linux, sysctl elsewhere, else the lowest default.
  'packages/local-kafka/src/listen-port.ts': 'ephemeral port range',
  // /proc/self/cgroup and /sys/fs/cgroup, read in try/catch: no file, no limit (the machine's CPUs).
  'apps/producer/src/cluster/cgroup-limits.ts': 'container limits',
};

describe('the demo runs on macOS as on Linux', () => {
  const files = demoFiles();

  it('follows the demo from scripts/demo.ts through the launcher and both apps', () => {
    // The apps the demo starts, by the path it starts them from.
    expect(read('scripts/demo.ts')).toMatch(/`apps\/\$\{name\}\/src\/main\.ts`/);
    for (const file of [
      'packages/local-kafka/src/local-kafka.ts',
      'packages/local-kafka/src/broker-process.ts',
      'packages/local-kafka/src/certificates.ts',
      'packages/config/src/index.ts',
      'apps/producer/src/cluster/cgroup-limits.ts',
    ]) {
      expect(files, file).toContain(file);
    }
  });

  it('starts no command beyond Java, Maven, openssl and a POSIX shell', () => {
    const started = new Map<string, string>();
    for (const file of files) {
      for (const m of code(file).matchAll(
        /\b(?:spawn|spawnSync|exec|execSync|execFile|execFileSync|runCommand|isInstalled)\(\s*['"`]([^'"`\s]+)/g,
      )) {
        started.set(m[1] ?? '', file);
      }
    }
    expect(started.has('java') && started.has('openssl'), 'the scan sees the commands').toBe(true);
    expect([...started].filter(([command]) => !PORTABLE_COMMANDS.includes(command))).toEqual([]);
  });

  it("touches Linux's files, tools and flags only where they may be missing", () => {
    const found = files.flatMap((file) =>
      LINUX_ONLY.filter((pattern) => pattern.test(code(file))).map(
        (pattern) => `${file}: ${pattern.source}`,
      ),
    );
    expect(
      found.filter(
        (hit) => !Object.keys(LINUX_ONLY_REVIEWED).some((file) => hit.startsWith(`${file}:`)),
      ),
    ).toEqual([]);
    // Only the reviewed files branch on the platform.
    expect(
      files
        .filter((file) => /process\.platform/.test(code(file)))
        .filter((file) => !(file in LINUX_ONLY_REVIEWED)),
    ).toEqual([]);
  });

  it('picks listen ports below the ephemeral range where /proc is missing (macOS: sysctl, or the lowest default)', () => {
    const missing = (): string => {
      throw new Error(
        "ENOENT: no such file or directory, open '/proc/sys/net/ipv4/ip_local_port_range'",
      );
    };
    expect(ephemeralRange(missing)).toEqual([32768, 60999]);
    expect(ephemeralRange(() => '49152\n65535\n')).toEqual([49152, 65535]);
  });

  it('sizes the producer by the CPUs where no cgroup files exist', () => {
    const missing = (path: string): string => {
      throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    };
    expect(workerDefault(2, missing)).toEqual({ workers: 2, decidedBy: 'cpus', cpus: 2 });
    expect(workerDefault(12, missing).workers).toBe(MAX_DEFAULT_WORKERS);
  });

  it('runs the npm scripts that start it with node and tsx alone', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts;
    for (const name of ['demo', 'kafka', 'kafka:jars']) {
      const commands = (scripts[name] ?? '')
        .split(/&&|\|\||;/)
        .map((part) => part.trim().split(/\s+/)[0]);
      expect(
        commands.filter((command) => !['exec', 'node', 'tsx'].includes(command ?? '')),
        `npm run ${name}`,
      ).toEqual([]);
    }
  });
});
