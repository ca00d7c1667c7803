import { readdirSync, readFileSync } from 'node:fs';
import { BINDING_KEYS, BINDING_VARIABLES } from '@demo-kafka/config';
import { describe, expect, it } from 'vitest';
import { consumerSettingsSpec } from '../apps/consumer/src/settings.js';
import { producerSettingsSpec } from '../apps/producer/src/settings.js';
import { NODE_PORTS } from '../k8s/node-ports.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
/** The topic documents under docs/ of one language (`docs/<topic>.md`, `docs/<topic>.ja.md`): the README's settings may be documented there. */
const topicDocs = (japanese: boolean): string =>
  readdirSync(new URL('../docs/', import.meta.url))
    .filter((name) => name.endsWith('.md') && name.endsWith('.ja.md') === japanese)
    .map((name) => read(`docs/${name}`))
    .join('\n');
const readmes = { 'README.md': `${read('README.md')}\n${topicDocs(false)}`, 'README.ja.md': `${read('README.ja.md')}\n${topicDocs(true)}` };
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

const settingNames = [...new Set([...Object.keys(producerSettingsSpec), ...Object.keys(consumerSettingsSpec)])];
const bindingVariables = BINDING_VARIABLES;

/** The default a README table row gives a setting: `| \`NAME\` | app | \`default\` |`, or "empty" (空). */
function documentedDefault(readme: string, name: string): string | undefined {
  const row = new RegExp(`^\\| \`${name}\` \\| [^|]+ \\| (?:\`([^\`]*)\`|(empty|空)) \\|`, 'm').exec(readme);
  return row?.[2] ? '' : row?.[1];
}

describe.each(Object.entries(readmes))('%s agrees with the code', (_file, readme) => {
  it('documents every variable the apps read', () => {
    for (const name of [...settingNames, ...bindingVariables]) expect(readme, name).toContain(`\`${name}\``);
  });

  it('documents every binding key and alias', () => {
    for (const key of BINDING_KEYS) for (const name of [key.name, ...key.aliases]) expect(readme, name).toContain(`\`${name}\``);
  });

  it('gives the defaults the code has, where the default is a fixed value', () => {
    const specs = { ...producerSettingsSpec, ...consumerSettingsSpec } as Record<string, { default?: unknown }>;
    for (const name of settingNames) {
      const fixed = specs[name]?.default;
      const documented = documentedDefault(readme, name);
      if (['CLIENT_ID', 'CONSUMER_INSTANCE', 'PRODUCER_URL', 'WORKERS'].includes(name)) continue; // computed at start-up
      expect(documented, name).toBe(String(fixed));
    }
  });

  it('shows the quick start that package.json and .ci/run run, and the walkthrough ports', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toMatch(/^npm test\b/m);
    expect(packageJson.scripts.demo).toBeDefined();
    expect(packageJson.scripts.bench).toBeDefined();
    expect(read('.ci/run').trimEnd().split('\n').at(-1)).toBe('npm test');
    expect(readme).toContain(`curl localhost:${NODE_PORTS.producer}/messages -d Hello`);
    expect(readme).toContain(`curl <worker>:${NODE_PORTS.consumer}/messages`);
  });
});
