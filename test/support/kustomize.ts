import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isYamlMap, readYamlDocuments, type YamlMap } from './yaml-documents.js';

/**
 * Just enough of kustomize to check the repository's manifests without the binary: resources
 * (files and directories), strategic-merge patches (with `$patch: delete` in lists) and
 * `images` overrides. Any
 * other kustomization field is refused, so this never silently renders something else than
 * `kubectl kustomize` would.
 */

/** The fields of kustomization.yaml this renderer understands. */
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'images']);

/** An `images` entry: which image to point elsewhere. */
export interface ImageOverride {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

export interface Kustomization {
  /** Directory of the kustomization.yaml, relative to the repository root. */
  readonly dir: string;
  /** `resources` entries as written (relative to `dir`). */
  readonly resources: readonly string[];
  /** `patches[].path` entries as written (relative to `dir`). */
  readonly patches: readonly string[];
  readonly images: readonly ImageOverride[];
}

export function readKustomization(root: string, dir: string): Kustomization {
  const file = join(dir, 'kustomization.yaml');
  const docs = readYamlDocuments(join(root, file), file);
  const [doc] = docs;
  if (docs.length !== 1 || !doc) throw new Error(`${file} must hold exactly one document`);
  if (doc.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || doc.kind !== 'Kustomization') {
    throw new Error(`${file} is not a kustomize.config.k8s.io/v1beta1 Kustomization`);
  }
  const unsupported = Object.keys(doc).filter((key) => !SUPPORTED_FIELDS.has(key));
  if (unsupported.length > 0)
    throw new Error(`${file} uses fields this check does not render: ${unsupported.join(', ')}`);
  const resources = stringList(doc.resources ?? [], `${file} resources`);
  const patchEntries = doc.patches ?? [];
  if (!Array.isArray(patchEntries)) throw new Error(`${file} patches is not a list`);
  const patches = patchEntries.map((entry: unknown, index) => {
    if (!isYamlMap(entry) || typeof entry.path !== 'string' || Object.keys(entry).length !== 1) {
      throw new Error(
        `${file} patches[${index}] must be { path: <file> } (inline patches and targets are not rendered here)`,
      );
    }
    return entry.path;
  });
  const imageEntries = doc.images ?? [];
  if (!Array.isArray(imageEntries)) throw new Error(`${file} images is not a list`);
  const images = imageEntries.map((entry: unknown, index): ImageOverride => {
    const fields = ['name', 'newName', 'newTag', 'digest'];
    if (
      !isYamlMap(entry) ||
      typeof entry.name !== 'string' ||
      Object.entries(entry).some(([k, v]) => !fields.includes(k) || typeof v !== 'string')
    ) {
      throw new Error(
        `${file} images[${index}] must be { name, newName?, newTag?, digest? } strings`,
      );
    }
    return entry as unknown as ImageOverride;
  });
  return { dir, resources, patches, images };
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string'))
    throw new Error(`${what} is not a list of strings`);
  return value;
}

/** kind/name of a resource, the identity a strategic-merge patch targets. */
export function resourceId(resource: YamlMap): string {
  const metadata = isYamlMap(resource.metadata) ? resource.metadata : {};
  return `${String(resource.kind)}/${String(metadata.name)}`;
}

/** The resources a kustomization produces, in the order kustomize reads them. */
export function renderKustomization(root: string, dir: string): YamlMap[] {
  const kustomization = readKustomization(root, dir);
  const rendered: YamlMap[] = [];
  for (const entry of kustomization.resources) {
    const path = join(dir, entry);
    const abs = join(root, path);
    if (!existsSync(abs))
      throw new Error(`${dir}/kustomization.yaml lists ${entry}, which does not exist`);
    const added = statSync(abs).isDirectory()
      ? renderKustomization(root, relative(root, resolve(abs)))
      : readYamlDocuments(abs, path);
    for (const resource of added) {
      if (rendered.some((r) => resourceId(r) === resourceId(resource)))
        throw new Error(`${dir}: ${resourceId(resource)} is defined twice`);
      rendered.push(resource);
    }
  }
  for (const entry of kustomization.patches) {
    const path = join(dir, entry);
    for (const patch of readYamlDocuments(join(root, path), path)) {
      const index = rendered.findIndex((r) => resourceId(r) === resourceId(patch));
      const target = rendered[index];
      if (!target)
        throw new Error(`${path} patches ${resourceId(patch)}, which ${dir} does not have`);
      rendered[index] = mergeMap(target, patch, '');
    }
  }
  return kustomization.images.length === 0
    ? rendered
    : rendered.map((resource) => withImages(resource, kustomization.images));
}

/** Applies `images` overrides to the containers of a workload, as kustomize does. */
function withImages(resource: YamlMap, images: readonly ImageOverride[]): YamlMap {
  const spec = isYamlMap(resource.spec) ? resource.spec : undefined;
  const template = isYamlMap(spec?.template) ? spec.template : undefined;
  const pod = isYamlMap(template?.spec) ? template.spec : undefined;
  if (!spec || !template || !pod) return resource;
  const retag = (container: unknown): unknown => {
    if (!isYamlMap(container) || typeof container.image !== 'string') return container;
    const [, name = '', tag] = /^(.*?)(?::([^:/@]+))?(?:@.*)?$/.exec(container.image) ?? [];
    const override = images.find((image) => image.name === name);
    if (!override) return container;
    const newName = override.newName ?? name;
    const image = override.digest
      ? `${newName}@${override.digest}`
      : `${newName}${(override.newTag ?? tag) ? `:${override.newTag ?? tag}` : ''}`;
    return { ...container, image };
  };
  const containers = Array.isArray(pod.containers) ? pod.containers.map(retag) : pod.containers;
  const initContainers = Array.isArray(pod.initContainers)
    ? pod.initContainers.map(retag)
    : pod.initContainers;
  const newPod: YamlMap = {
    ...pod,
    containers,
    ...(initContainers === undefined ? {} : { initContainers }),
  };
  return { ...resource, spec: { ...spec, template: { ...template, spec: newPod } } };
}

/** The key that identifies a list item in a strategic merge, by the list's field name. */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
};

/** Lists that a strategic merge replaces whole. Any other list in a patch is refused. */
const ATOMIC_LISTS = new Set(['command', 'args']);

function mergeMap(base: YamlMap, patch: YamlMap, at: string): YamlMap {
  const out: YamlMap = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const path = `${at}.${key}`;
    if (key.startsWith('$')) throw new Error(`unsupported directive ${key} at ${at || '.'}`);
    if (value === null) delete out[key];
    else if (Array.isArray(value) && Array.isArray(out[key]))
      out[key] = mergeList(out[key], value, key, path);
    else if (isYamlMap(value) && isYamlMap(out[key])) out[key] = mergeMap(out[key], value, path);
    else out[key] = value;
  }
  return out;
}

function mergeList(base: unknown[], patch: unknown[], field: string, at: string): unknown[] {
  if (ATOMIC_LISTS.has(field)) return patch;
  const mergeKey = MERGE_KEYS[field];
  if (!mergeKey) throw new Error(`${at}: this check does not know how kustomize merges ${field}`);
  const out = [...base];
  // kubectl kustomize puts the items a patch adds before the ones it merges into.
  const added: unknown[] = [];
  for (const item of patch) {
    if (!isYamlMap(item) || !(mergeKey in item))
      throw new Error(`${at}: each item needs its merge key ${mergeKey}`);
    const { $patch: directive, ...fields } = item;
    const index = out.findIndex(
      (existing) => isYamlMap(existing) && existing[mergeKey] === item[mergeKey],
    );
    const existing = out[index];
    if (directive === 'delete') {
      if (index < 0)
        throw new Error(`${at}: deletes ${mergeKey}=${String(item[mergeKey])}, which is not there`);
      out.splice(index, 1);
    } else if (directive !== undefined) {
      throw new Error(`${at}: unsupported $patch: ${String(directive)}`);
    } else if (isYamlMap(existing)) {
      out[index] = mergeMap(existing, fields, `${at}[${mergeKey}=${String(item[mergeKey])}]`);
    } else {
      added.push(fields);
    }
  }
  return [...added, ...out];
}

/** Directories under `dir` (repo-relative) that hold a kustomization.yaml, sorted. */
export function kustomizationDirs(root: string, dir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string): void => {
    if (existsSync(join(root, rel, 'kustomization.yaml'))) found.push(rel);
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(rel, entry.name));
    }
  };
  walk(dir);
  return found.sort();
}
