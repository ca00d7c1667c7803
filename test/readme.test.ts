import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BINDING_KEYS, BINDING_VARIABLES } from '@demo-kafka/config';
import {
  BINDING_OPTIONS,
  BROKERS_OPTION,
  bindingChoice,
  brokerCount,
} from '@demo-kafka/local-kafka';
import { describe, expect, it } from 'vitest';
import { consumerSettingsSpec } from '../apps/consumer/src/settings.js';
import { producerSettingsSpec } from '../apps/producer/src/settings.js';
import { NODE_PORTS } from '../k8s/node-ports.js';
import { consumerOpenApi } from '../apps/consumer/src/http/consumer-openapi.js';
import { DEFAULT_RECORD_HEADER_LIMITS } from '../apps/producer/src/headers/record-header-limits.js';
import { producerOpenApi } from '../apps/producer/src/http/producer-openapi.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');
const readmes = { 'README.md': read('README.md'), 'README.ja.md': read('README.ja.md') };
/** Where each README's binding key table lives (long reference, out of the README). */
const bindingKeyPages: Record<string, string> = {
  'README.md': 'docs/kafka-providers.md',
  'README.ja.md': 'docs/kafka-providers.ja.md',
};
const docs = Object.fromEntries(
  readdirSync(join(REPO, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => [`docs/${name}`, read(`docs/${name}`)]),
);
const pages: Record<string, string> = { ...readmes, ...docs };
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

/** The paths each app serves at the demo's port, from the apps' own OpenAPI documents. */
const servedPaths: Record<number, string[]> = {
  [NODE_PORTS.producer]: Object.keys(
    producerOpenApi({
      maxMessageBytes: 1,
      recordHeaderLimits: DEFAULT_RECORD_HEADER_LIMITS,
      guard: undefined,
      clustered: false,
    }).paths as object,
  ),
  [NODE_PORTS.consumer]: Object.keys(consumerOpenApi().paths as object),
};

const settingNames = [
  ...new Set([...Object.keys(producerSettingsSpec), ...Object.keys(consumerSettingsSpec)]),
];
const bindingVariables = BINDING_VARIABLES;

/** The default a README table row gives a setting: `| \`NAME\` | app | \`default\` |`, or "empty" (空). */
function documentedDefault(readme: string, name: string): string | undefined {
  const row = new RegExp(
    `^\\| \`${name}\` \\| [^|]+ \\| (?:\`([^\`]*)\`|(empty|空)) \\|`,
    'm',
  ).exec(readme);
  return row?.[2] ? '' : row?.[1];
}

/** The first cell of every row of the table whose header starts with `| <first> |`. */
function firstColumn(page: string, header: RegExp): string[] {
  const lines = page.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) return [];
  const rows = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|')[1]?.trim() ?? '');
  }
  return rows;
}

/** Every command line of the page's `sh` blocks, and every inline `npm …` command, as words. */
function commandsOf(page: string): string[][] {
  const lines: string[] = [];
  for (const [, body = ''] of page.matchAll(/```sh\n([\s\S]*?)```/g))
    lines.push(...body.replace(/\\\n\s*/g, ' ').split('\n'));
  for (const [, span = ''] of page.matchAll(/`((?:[A-Z_]+=\S+ )*npm [^`]+)`/g)) lines.push(span);
  return lines
    .map((line) =>
      line
        .replace(/\s+#.*$/, '')
        .replace(/\s*&$/, '')
        .trim(),
    )
    .filter((line) => line !== '')
    .flatMap((line) => line.split(' && '))
    .map((line) => line.split(/\s+/));
}

/** `npm run kafka -- --help` and `npm run demo -- --help`, as the scripts print them. */
const helpOf = (() => {
  const cache = new Map<string, string>();
  const entry: Record<string, string> = {
    kafka: 'packages/local-kafka/src/cli.ts',
    demo: 'scripts/demo.ts',
  };
  return (script: string): string => {
    const file = entry[script];
    if (!file) throw new Error(`no --help known for npm run ${script}`);
    let help = cache.get(script);
    if (help === undefined) {
      help = execFileSync(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', file, '--help'],
        { cwd: REPO, encoding: 'utf8' },
      );
      cache.set(script, help);
    }
    return help;
  };
})();

/** Checks one command a page shows against what it runs: scripts, options, files, directories. */
function checkCommand(words: string[], where: string): void {
  const env = words.findIndex((word) => !/^[A-Z_]+=/.test(word));
  const [tool, verb, ...rest] = words.slice(env);
  const line = `${where}: ${words.join(' ')}`;
  // An app run by hand reads only its settings and the binding variables.
  const known = rest.includes('-w')
    ? [...settingNames, ...bindingVariables]
    : [
        ...settingNames,
        ...bindingVariables,
        'PRODUCER_PORT',
        'CONSUMER_PORT',
        'CONSUMER_BEFORE_DIR',
        'FAULTS_SEED',
      ];
  // OTEL_* are the OpenTelemetry SDK's own standard variables (docs/tracing.md), read by both apps.
  for (const assignment of words.slice(0, env)) {
    const name = assignment.split('=')[0] ?? '';
    if (!name.startsWith('OTEL_')) expect(known, line).toContain(name);
  }
  if (tool === 'npm' && (verb === 'ci' || verb === 'test')) return;
  if (tool === 'npm' && (verb === 'run' || verb === 'start')) {
    const script = verb === 'start' ? 'start' : (rest[0] ?? '');
    const workspace = rest[rest.indexOf('-w') + 1];
    if (rest.includes('-w') && workspace) {
      const scripts = (
        JSON.parse(read(`${workspace}/package.json`)) as { scripts: Record<string, string> }
      ).scripts;
      expect(Object.keys(scripts), line).toContain(script);
      return;
    }
    expect(Object.keys(packageJson.scripts), line).toContain(script);
    const args = rest.slice(rest.indexOf('--') + 1);
    if (!rest.includes('--') || !['kafka', 'demo'].includes(script)) return;
    const help = helpOf(script);
    for (const option of args.filter((arg) => arg.startsWith('--') && arg !== '--help'))
      expect(help, line).toContain(`[${option}`);
    const { values } = parseArgs({
      args,
      options: { ...BINDING_OPTIONS, ...BROKERS_OPTION },
      strict: false,
    });
    expect(
      () => bindingChoice(values as { 'binding-format'?: string; security?: string }),
      line,
    ).not.toThrow();
    expect(() => brokerCount(values.brokers as string | undefined), line).not.toThrow();
    return;
  }
  if (tool === 'docker' && verb === 'build') {
    expect(existsSync(join(REPO, rest[rest.indexOf('-f') + 1] ?? '')), line).toBe(true);
    return;
  }
  if (tool === 'kubectl' && verb === 'apply') {
    expect(rest[0], line).toBe('-k');
    expect(existsSync(join(REPO, rest[1] ?? '', 'kustomization.yaml')), line).toBe(true);
    return;
  }
  if ((tool === 'docker' || tool === 'podman') && verb === 'run') {
    // One of our images as the base manifests name it, or someone else's at a pinned tag.
    const image = rest.at(-1) ?? '';
    const ours = [
      ...read('k8s/base/producer-deployment.yaml').matchAll(/image: (\S+)/g),
      ...read('k8s/base/consumer-deployment.yaml').matchAll(/image: (\S+)/g),
    ].map((m) => m[1]);
    if (!ours.includes(image)) expect(image, line).toMatch(/:\d+\.\d+\.\d+$/);
    return;
  }
  if (tool === 'curl') {
    // A curl line against the demo: an app's port and a path that app serves.
    const url = /localhost:(\d+)(\/[^?'"\s]*)/.exec(words.join(' '));
    expect(url, `${line}: a localhost URL`).not.toBeNull();
    expect(servedPaths[Number(url?.[1])] ?? [], line).toContain(url?.[2]);
    return;
  }
  if (tool === 'kubectl' && verb === 'set') {
    // `kubectl set env deployment/<name> …`: the Deployments k8s/base defines.
    const deployments = [
      ...read('k8s/base/producer-deployment.yaml').matchAll(
        /^kind: Deployment\nmetadata:\n {2}name: (\S+)/gm,
      ),
      ...read('k8s/base/consumer-deployment.yaml').matchAll(
        /^kind: Deployment\nmetadata:\n {2}name: (\S+)/gm,
      ),
    ].map((m) => m[1]);
    const targets = rest.filter((word) => word.startsWith('deployment/'));
    expect(targets.length, line).toBeGreaterThan(0);
    for (const target of targets)
      expect(deployments, line).toContain(target.slice('deployment/'.length));
    return;
  }
  if (tool === 'kubectl' && verb === 'create') return; // run against each provider's fixture by readme-providers
  throw new Error(`${line}: a command the page shows and this check does not know`);
}

describe.each(Object.entries(readmes))('%s agrees with the code', (file, readme) => {
  it('stays short enough to read in two minutes', () => {
    // Figures and long reference live in docs/; the API tables stay (readme-api.test.ts holds them to the documents).
    expect(readme.split('\n').length).toBeLessThan(250);
  });

  const keyPage = bindingKeyPages[file] ?? '';
  const keyTable = read(keyPage);

  it('documents every variable the apps read (the binding variables in its binding key page)', () => {
    for (const name of settingNames) expect(readme, name).toContain(`\`${name}\``);
    for (const name of bindingVariables) expect(keyTable, name).toContain(`\`${name}\``);
    expect(readme).toContain(`(${keyPage}#`);
  });

  it('documents every binding key and alias in its binding key page', () => {
    for (const key of BINDING_KEYS)
      for (const name of [key.name, ...key.aliases])
        expect(keyTable, name).toContain(`\`${name}\``);
  });

  it('lists in its tables only settings and keys that exist', () => {
    const settings = firstColumn(readme, /^\| (Variable|変数) \| (App|アプリ) \|/).map((cell) =>
      cell.replace(/`/g, ''),
    );
    expect(settings.sort()).toEqual([...settingNames].sort());
    const keys = firstColumn(keyTable, /^\| (Key|キー)/).map((cell) => cell.replace(/`/g, ''));
    expect(keys.sort()).toEqual(BINDING_KEYS.map((key) => key.name).sort());
  });

  it('gives the defaults the code has, where the default is a fixed value', () => {
    const specs = { ...producerSettingsSpec, ...consumerSettingsSpec } as Record<
      string,
      { default?: unknown }
    >;
    for (const name of settingNames) {
      const fixed = specs[name]?.default;
      const documented = documentedDefault(readme, name);
      if (['CLIENT_ID', 'CONSUMER_INSTANCE', 'PRODUCER_URL', 'WORKERS'].includes(name)) continue; // computed at start-up
      expect(documented, name).toBe(String(fixed));
    }
  });

  it('shows the quick start that package.json and .ci/run run first, and the walkthrough ports', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toContain('npm ci && npm run demo');
    expect(firstBlock).toMatch(/^npm test\b/m);
    expect(packageJson.scripts.demo).toBeDefined();
    expect(read('.ci/run').trimEnd().split('\n').at(-1)).toBe('npm test');
    expect(readme).toContain(`curl localhost:${NODE_PORTS.producer}/messages -d Hello`);
    expect(readme).toContain(`curl <worker>:${NODE_PORTS.consumer}/messages`);
    expect(readme, file).toContain(`(nodePort ${NODE_PORTS.producer})`);
  });
});

describe('npm run demo -- --help', () => {
  it('names the variables the README gives the demo', () => {
    for (const name of ['PRODUCER_PORT', 'CONSUMER_PORT', 'LOG_LEVEL']) {
      expect(helpOf('demo'), name).toContain(name);
      for (const readme of Object.values(readmes))
        expect(readme, name).toMatch(new RegExp(`${name}=… .*npm run demo|${name}=info`));
    }
  });
});

describe.each(Object.entries(pages))('%s', (file, page) => {
  it('shows only commands that run as shown', () => {
    for (const words of commandsOf(page)) checkCommand(words, file);
  });

  it('links only to files that exist', () => {
    for (const [, target = ''] of page.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^https?:/.test(target)) continue;
      expect(existsSync(join(REPO, dirname(file), target)), `${file} links to ${target}`).toBe(
        true,
      );
    }
  });

  it('speaks to users, not of how the project was made', () => {
    expect(page).not.toMatch(
      /MISSED|\bissue \d|issue の|\.test\.ts|as the original|オリジナルと同じ/,
    );
  });
});
