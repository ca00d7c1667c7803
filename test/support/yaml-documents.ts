import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';

/** A YAML mapping read as plain data. */
export type YamlMap = Record<string, unknown>;

export function isYamlMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every `.yaml`/`.yml` file under `dir`, as paths relative to `root`, sorted. */
export function yamlFilesUnder(root: string, dir: string): string[] {
  const found: string[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) found.push(relative(root, path));
    }
  };
  walk(join(root, dir));
  return found.sort();
}

function documentsAs(text: string, version: '1.1' | '1.2', file: string): unknown[] {
  return parseAllDocuments(text, { version, uniqueKeys: true, prettyErrors: true }).map(
    (doc, index) => {
      const problems = [...doc.errors, ...doc.warnings];
      if (problems.length > 0)
        throw new Error(
          `${file} document ${index + 1} (YAML ${version}): ${problems.map((p) => p.message).join('; ')}`,
        );
      return doc.toJS();
    },
  );
}

/** The path of the first value that differs between `a` and `b`, or undefined. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (isYamlMap(a) && isYamlMap(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[key], b[key], `${path}/${key}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (const [index, item] of a.entries()) {
      const found = firstDifference(item, b[index], `${path}/${index}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return isDeepStrictEqual(a, b) ? undefined : path;
}

/**
 * The documents of a YAML file as plain data. Throws on any syntax error or warning, on a
 * document that is not a mapping, and on a scalar that YAML 1.1 reads differently than YAML 1.2
 * (`on`, `yes`, `0440`, `1:30`, ...): Kubernetes and Compose parse with Go libraries that keep
 * some 1.1 rules, so such a value would not mean what it seems to here.
 */
export function readYamlDocuments(path: string, file = path): YamlMap[] {
  const text = readFileSync(path, 'utf8');
  const asYaml12 = documentsAs(text, '1.2', file);
  const asYaml11 = documentsAs(text, '1.1', file);
  const differs = firstDifference(asYaml12, asYaml11, '');
  if (differs !== undefined)
    throw new Error(`${file}: ${differs || '/'} reads differently as YAML 1.1 and 1.2; quote it`);
  return asYaml12.map((doc, index) => {
    if (!isYamlMap(doc)) throw new Error(`${file} document ${index + 1} is not a mapping`);
    return doc;
  });
}
