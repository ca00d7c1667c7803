/**
 * The container images, the Kubernetes manifests (k8s/) and docker-compose.yml, checked for
 * validity and against the code they deploy (ports, probe paths, env vars, Secret name and keys,
 * npm scripts and workspaces), so none of them can drift from the apps.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEALTH_PATHS } from '@demo-kafka/app-kit';
import { BINDING_VARIABLES, DEFAULT_PORT, SECRET_KEYS, SOURCE_ENV } from '@demo-kafka/config';
import { kafkaVersion } from '@demo-kafka/local-kafka';
import { Ajv, type ErrorObject } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  Secret,
  Service,
  ServiceAccount,
  type IContainer,
  type IPodSpec,
} from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { consumerSettingsSpec } from '../apps/consumer/src/settings.js';
import { MESSAGES_PATH } from '../apps/producer/src/http/messages-route.js';
import { producerSettingsSpec } from '../apps/producer/src/settings.js';
import { NODE_PORTS } from '../k8s/node-ports.js';
import { dockerignoreMatcher } from './support/dockerignore.js';
import {
  npmCommands,
  npmWorkspaces,
  parseCopy,
  parseDockerfile,
  parseEnv,
  parseExecForm,
  type Stage,
} from './support/dockerfile.js';
import {
  kustomizationDirs,
  readKustomization,
  renderKustomization,
  resourceId,
} from './support/kustomize.js';
import {
  isYamlMap,
  readYamlDocuments,
  yamlFilesUnder,
  type YamlMap,
} from './support/yaml-documents.js';
import { STRIMZI_VALIDATORS } from './support/strimzi-schemas.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

// ---------------------------------------------------------------------------------------------
// What the walkthrough names, and what each app reads

/** The Secret the binding writes and the Deployments mount (README, walkthrough). */
const SECRET_NAME = 'demo-kafka-secret';

const APPS = [
  {
    key: 'producer',
    workspace: 'apps/producer',
    deployment: 'demo-kafka-producer',
    container: 'producer',
    service: 'demo-kafka-producer-service',
    image: 'demo-kafka-producer:latest',
    settings: Object.keys(producerSettingsSpec),
  },
  {
    key: 'consumer',
    workspace: 'apps/consumer',
    deployment: 'demo-kafka-consumer',
    container: 'consumer',
    service: 'demo-kafka-consumer-service',
    image: 'demo-kafka-consumer:latest',
    settings: Object.keys(consumerSettingsSpec),
  },
] as const;
type App = (typeof APPS)[number];

/** Every variable the config package reads: binding keys, where to find the binding, the CA file. */
const CONFIG_ENV = BINDING_VARIABLES;

/** Every variable `app` reads (NODE_ENV is Node's and Express's own). */
function envReadBy(app: App): Set<string> {
  // NODE_OPTIONS is read by Node itself (the consumer's heap size, see its Deployment).
  return new Set([...CONFIG_ENV, ...app.settings, 'NODE_ENV', 'NODE_OPTIONS']);
}

// ---------------------------------------------------------------------------------------------
// npm workspaces

interface PackageJson {
  readonly name?: string;
  readonly main?: string;
  readonly workspaces?: readonly string[];
  readonly scripts?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly engines?: Readonly<Record<string, string>>;
}

function readJson(path: string): unknown {
  const parsed: unknown = JSON.parse(read(path));
  return parsed;
}
const packageJson = (dir: string): PackageJson =>
  readJson(join(dir, 'package.json')) as PackageJson;
const ROOT_PACKAGE = packageJson('.');
const WORKSPACES = ROOT_PACKAGE.workspaces ?? [];

/** The workspaces `dir` needs at run time, dependencies before dependents, `dir` last. */
function workspaceClosure(dir: string): string[] {
  const byName = new Map(WORKSPACES.map((ws) => [packageJson(ws).name, ws]));
  const order: string[] = [];
  const visit = (ws: string): void => {
    if (order.includes(ws)) return;
    for (const dep of Object.keys(packageJson(ws).dependencies ?? {})) {
      const depDir = byName.get(dep);
      if (depDir) visit(depDir);
    }
    order.push(ws);
  };
  visit(dir);
  return order;
}

interface TsconfigBuild {
  readonly extends?: string;
  readonly include?: readonly string[];
  readonly compilerOptions?: { readonly rootDir?: string; readonly outDir?: string };
}
const tsconfigBuild = (ws: string): TsconfigBuild =>
  readJson(join(ws, 'tsconfig.build.json')) as TsconfigBuild;

/** The repository files a workspace's `npm run build` reads: its tsconfig, what that extends, its sources. */
function buildInputs(ws: string): string[] {
  const config = tsconfigBuild(ws);
  return [
    posix.join(ws, 'package.json'),
    posix.join(ws, 'tsconfig.build.json'),
    ...(config.extends ? [posix.join(ws, config.extends)] : []),
    ...(config.include ?? []).map((path) => posix.join(ws, path)),
  ];
}

// ---------------------------------------------------------------------------------------------
// YAML

const K8S_YAML = yamlFilesUnder(REPO, 'k8s');
const ALL_YAML = [...K8S_YAML, 'docker-compose.yml'];
const KUSTOMIZATIONS = kustomizationDirs(REPO, 'k8s');

const renders = new Map<string, YamlMap[]>();
function rendered(dir: string): YamlMap[] {
  let resources = renders.get(dir);
  if (!resources) {
    resources = renderKustomization(REPO, dir);
    renders.set(dir, resources);
  }
  return resources;
}

const nameOf = (resource: YamlMap): unknown =>
  isYamlMap(resource.metadata) ? resource.metadata.name : undefined;
const typeOf = (resource: YamlMap): string =>
  `${String(resource.apiVersion)}/${String(resource.kind)}`;

function only(resources: YamlMap[], type: string, name?: string): YamlMap {
  const found = resources.filter(
    (r) => typeOf(r) === type && (name === undefined || nameOf(r) === name),
  );
  expect(found.map(resourceId), `exactly one ${type}${name ? ` ${name}` : ''}`).toHaveLength(1);
  return found[0] as YamlMap;
}

/** Whether a label selector's matchLabels (or a Service selector) all hold in `labels`. */
function selects(selector: unknown, labels: unknown): boolean {
  return (
    isYamlMap(selector) &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([key, value]) => at(labels, key) === value)
  );
}

/** A comma-separated setting as a list. */
const listOf = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** A plain-data path lookup for resources without a model (the CRDs). */
function at(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>(
    (current, key) => (isYamlMap(current) ? current[key] : undefined),
    value,
  );
}

// ---------------------------------------------------------------------------------------------
// Kubernetes kinds: built-in ones validate against the Kubernetes OpenAPI schemas
// (kubernetes-models); the CRDs get checks of the fields the walkthrough relies on.

function deploymentModel(data: YamlMap): Deployment {
  const model = new Deployment(data as ConstructorParameters<typeof Deployment>[0]);
  model.validate();
  return model;
}
function serviceModel(data: YamlMap): Service {
  const model = new Service(data as ConstructorParameters<typeof Service>[0]);
  model.validate();
  return model;
}
function secretModel(data: YamlMap): Secret {
  const model = new Secret(data as ConstructorParameters<typeof Secret>[0]);
  model.validate();
  return model;
}
function jobModel(data: YamlMap): Job {
  const model = new Job(data as ConstructorParameters<typeof Job>[0]);
  model.validate();
  return model;
}
function clusterRoleBindingModel(data: YamlMap): ClusterRoleBinding {
  const model = new ClusterRoleBinding(data as ConstructorParameters<typeof ClusterRoleBinding>[0]);
  model.validate();
  return model;
}

/** Throws unless `spec` has the `required` string fields and no field outside `allowed`. */
function checkFields(
  what: string,
  value: unknown,
  required: readonly string[],
  allowed: readonly string[],
): void {
  if (!isYamlMap(value)) throw new Error(`${what} is not a mapping`);
  for (const key of required) {
    if (typeof value[key] !== 'string' || value[key] === '')
      throw new Error(`${what}.${key} must be a non-empty string`);
  }
  const unknown = Object.keys(value).filter(
    (key) => !allowed.includes(key) && !required.includes(key),
  );
  if (unknown.length > 0)
    throw new Error(`${what} has fields the API does not define: ${unknown.join(', ')}`);
}

// cert-manager.io/v1 (k8s/https): JSON schemas of the fields in use, transcribed from cert-manager's
// CRDs (deploy/crds/cert-manager.io_certificates.yaml, _issuers.yaml). Any other field is refused, so a
// misspelt one cannot pass unnoticed; a field the variant starts to use is added here first.
const NON_EMPTY = { type: 'string', minLength: 1 } as const;
const NAMES = { type: 'array', items: NON_EMPTY } as const;
/** A Go time.ParseDuration string, as cert-manager reads duration and renewBefore. */
const GO_DURATION = {
  type: 'string',
  pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$',
} as const;
const CERT_MANAGER_METADATA = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: NON_EMPTY,
    namespace: NON_EMPTY,
    labels: { type: 'object' },
    annotations: { type: 'object' },
  },
} as const;
const certManagerSchema = (kind: string, spec: object): object => ({
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { type: 'string', const: 'cert-manager.io/v1' },
    kind: { type: 'string', const: kind },
    metadata: CERT_MANAGER_METADATA,
    spec,
  },
});
const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
];
/** The key sizes cert-manager accepts for each algorithm (RSA when none is named; Ed25519 has none). */
const KEY_SIZES = [
  { not: { required: ['algorithm'] }, properties: { size: { enum: [2048, 4096, 8192] } } },
  ...(
    [
      ['RSA', [2048, 4096, 8192]],
      ['ECDSA', [256, 384, 521]],
      ['Ed25519', undefined],
    ] as const
  ).map(([algorithm, sizes]) => ({
    required: ['algorithm'],
    properties: {
      algorithm: { const: algorithm },
      ...(sizes ? { size: { enum: sizes } } : {}),
    },
  })),
];
const CERTIFICATE_SCHEMA = certManagerSchema('Certificate', {
  type: 'object',
  required: ['secretName', 'issuerRef'],
  additionalProperties: false,
  properties: {
    secretName: NON_EMPTY,
    issuerRef: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: NON_EMPTY,
        // cert-manager's own kinds (an external issuer would name its own group and kind).
        kind: { type: 'string', enum: ['Issuer', 'ClusterIssuer'] },
        group: { type: 'string', const: 'cert-manager.io' },
      },
    },
    commonName: { type: 'string', minLength: 1, maxLength: 64 },
    dnsNames: NAMES,
    ipAddresses: NAMES,
    isCA: { type: 'boolean' },
    duration: GO_DURATION,
    renewBefore: GO_DURATION,
    usages: { type: 'array', items: { type: 'string', enum: KEY_USAGES } },
    privateKey: {
      type: 'object',
      additionalProperties: false,
      properties: {
        algorithm: { type: 'string', enum: ['RSA', 'ECDSA', 'Ed25519'] },
        encoding: { type: 'string', enum: ['PKCS1', 'PKCS8'] },
        rotationPolicy: { type: 'string', enum: ['Never', 'Always'] },
        size: { type: 'integer' },
      },
      anyOf: KEY_SIZES,
    },
  },
});
const ISSUER_SCHEMA = certManagerSchema('Issuer', {
  // One issuer type each; those in use: selfSigned and ca (acme, vault, venafi are not checked here).
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    selfSigned: {
      type: 'object',
      additionalProperties: false,
      properties: { crlDistributionPoints: NAMES },
    },
    ca: {
      type: 'object',
      required: ['secretName'],
      additionalProperties: false,
      properties: {
        secretName: NON_EMPTY,
        crlDistributionPoints: NAMES,
        ocspServers: NAMES,
        issuingCertificateURLs: NAMES,
      },
    },
  },
});
const certManagerAjv = new Ajv({ allErrors: true });
/** A validator that throws with every schema error, as the Kubernetes models do. */
function schemaValidator(schema: object): (resource: YamlMap) => void {
  const validate = certManagerAjv.compile(schema);
  return (resource) => {
    if (!validate(resource))
      throw new Error(
        (validate.errors ?? [])
          .map(
            (e: ErrorObject) =>
              `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
          )
          .join('; '),
      );
  };
}

const VALIDATORS: Readonly<Record<string, (resource: YamlMap) => void>> = {
  'apps/v1/Deployment': (r) => void deploymentModel(r),
  'v1/Service': (r) => void serviceModel(r),
  'v1/Secret': (r) => void secretModel(r),
  'v1/ConfigMap': (r) => new ConfigMap(r as ConstructorParameters<typeof ConfigMap>[0]).validate(),
  // k8s/access-tokens: the Job that posts with a service-account token, its account, and the
  // binding that lets the apps read the cluster's key set.
  'batch/v1/Job': (r) => void jobModel(r),
  'v1/ServiceAccount': (r) =>
    new ServiceAccount(r as ConstructorParameters<typeof ServiceAccount>[0]).validate(),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (r) => void clusterRoleBindingModel(r),
  // cert-manager (k8s/https): the CA chain and the apps' serving certificate.
  'cert-manager.io/v1/Issuer': schemaValidator(ISSUER_SCHEMA),
  'cert-manager.io/v1/Certificate': schemaValidator(CERTIFICATE_SCHEMA),
  // Strimzi and its Access Operator (k8s/strimzi*), against schemas transcribed from their references.
  ...STRIMZI_VALIDATORS,
  // Service Catalog v1beta1 (kubernetes-sigs/service-catalog, retired): the fields in use.
  'servicecatalog.k8s.io/v1beta1/ServiceInstance': (r) => {
    checkFields('metadata', r.metadata, ['name'], ['namespace', 'labels', 'annotations']);
    const required = ['clusterServiceClassExternalName', 'clusterServicePlanExternalName'];
    checkFields('spec', r.spec, required, ['parameters', 'parametersFrom', 'externalID']);
  },
  'servicecatalog.k8s.io/v1beta1/ServiceBinding': (r) => {
    checkFields('metadata', r.metadata, ['name'], ['namespace', 'labels', 'annotations']);
    checkFields(
      'spec',
      r.spec,
      ['secretName'],
      ['instanceRef', 'parameters', 'parametersFrom', 'externalID', 'secretTransforms'],
    );
    checkFields('spec.instanceRef', at(r, 'spec', 'instanceRef'), ['name'], []);
  },
  // servicebinding.io/v1 (Service Binding Specification for Kubernetes 1.0).
  'servicebinding.io/v1/ServiceBinding': (r) => {
    checkFields('metadata', r.metadata, ['name'], ['namespace', 'labels', 'annotations']);
    checkFields('spec', r.spec, [], ['name', 'type', 'provider', 'workload', 'service', 'env']);
    checkFields('spec.service', at(r, 'spec', 'service'), ['apiVersion', 'kind', 'name'], []);
    checkFields(
      'spec.workload',
      at(r, 'spec', 'workload'),
      ['apiVersion', 'kind'],
      ['name', 'selector', 'containers'],
    );
    const workload = at(r, 'spec', 'workload');
    if ((at(workload, 'name') === undefined) === (at(workload, 'selector') === undefined)) {
      throw new Error('spec.workload needs a name or a selector, not both');
    }
    const name = at(r, 'spec', 'name') ?? nameOf(r);
    if (typeof name !== 'string' || !/^[a-z0-9\-.]{1,253}$/.test(name))
      throw new Error(`binding name ${String(name)} is not a valid directory name`);
  },
};

/** The kustomizations `dir` builds on: those its resources name, and theirs in turn. */
function basesOf(dir: string): string[] {
  return readKustomization(REPO, dir)
    .resources.map((entry) => posix.normalize(posix.join(dir, entry)))
    .filter((path) => KUSTOMIZATIONS.includes(path))
    .flatMap((path) => [path, ...basesOf(path)]);
}

/** Files a kustomization uses as patches: partial objects, checked once applied instead. */
function patchFiles(): Set<string> {
  return new Set(
    KUSTOMIZATIONS.flatMap((dir) =>
      readKustomization(REPO, dir).patches.map((patch) => posix.join(dir, patch)),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Pods

function deploymentOf(resources: YamlMap[], app: App): Deployment {
  return deploymentModel(only(resources, 'apps/v1/Deployment', app.deployment));
}
function podSpecOf(deployment: Deployment): IPodSpec {
  const spec = deployment.spec?.template.spec;
  if (!spec) throw new Error(`${deployment.metadata?.name} has no pod spec`);
  return spec;
}
function containerOf(deployment: Deployment, app: App): IContainer {
  const containers = podSpecOf(deployment).containers;
  expect(
    containers.map((c) => c.name),
    `${app.deployment} runs one container, ${app.container}`,
  ).toEqual([app.container]);
  return containers[0] as IContainer;
}

/** The container port a probe or Service names, by number or by port name. */
function resolvePort(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === 'number')
    return container.ports?.some((p) => p.containerPort === port) ? port : undefined;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** The Secrets mounted into the app's container as files, with where. */
function mountedSecrets(
  deployment: Deployment,
  app: App,
): { secretName: string | undefined; mountPath: string; readOnly: boolean }[] {
  const volumes = podSpecOf(deployment).volumes ?? [];
  return (containerOf(deployment, app).volumeMounts ?? []).flatMap((mount) => {
    const secret = volumes.find((volume) => volume.name === mount.name)?.secret;
    return secret
      ? [
          {
            secretName: secret.secretName,
            mountPath: mount.mountPath,
            readOnly: mount.readOnly === true,
          },
        ]
      : [];
  });
}

function envOf(container: IContainer): Map<string, string | undefined> {
  return new Map((container.env ?? []).map((variable) => [variable.name, variable.value]));
}

/** CPU in millicores, memory in bytes. */
function quantity(value: string | number | undefined): number {
  if (value === undefined) return Number.NaN;
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$/.exec(String(value));
  if (!match) return Number.NaN;
  const units: Record<string, number> = {
    m: 1,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return Number(match[1]) * (match[2] ? (units[match[2]] ?? Number.NaN) : 1);
}
const cpu = (value: string | number | undefined): number =>
  typeof value === 'string' && value.endsWith('m') ? quantity(value) : quantity(value) * 1000;

/** The restricted security context base gives the apps: non-root uid 1000, read-only root, no capabilities. */
function expectRestricted(pod: IPodSpec, container: IContainer): void {
  const podContext = pod.securityContext ?? {};
  const context = container.securityContext ?? {};
  expect(context.runAsNonRoot ?? podContext.runAsNonRoot).toBe(true);
  expect(context.runAsUser ?? podContext.runAsUser).toBe(1000);
  expect(context.allowPrivilegeEscalation).toBe(false);
  expect(context.readOnlyRootFilesystem).toBe(true);
  expect(context.privileged ?? false).toBe(false);
  expect(context.capabilities?.drop).toContain('ALL');
  expect(context.capabilities?.add ?? []).toEqual([]);
  expect((context.seccompProfile ?? podContext.seccompProfile)?.type).toBe('RuntimeDefault');
}

/** Requests for CPU and memory, and limits no lower than them. */
function expectResources(container: IContainer): void {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  expect(cpu(requests.cpu)).toBeGreaterThan(0);
  expect(quantity(requests.memory)).toBeGreaterThan(0);
  expect(cpu(limits.cpu)).toBeGreaterThanOrEqual(cpu(requests.cpu));
  expect(quantity(limits.memory)).toBeGreaterThanOrEqual(quantity(requests.memory));
}

// ---------------------------------------------------------------------------------------------

describe('YAML files', () => {
  it('k8s/ holds the manifests and kustomizations', () => {
    expect(K8S_YAML.length).toBeGreaterThan(0);
    expect(KUSTOMIZATIONS).toEqual([
      'k8s/access-tokens',
      'k8s/base',
      'k8s/https',
      'k8s/plain-secret',
      'k8s/service-catalog',
      'k8s/servicebinding-io',
      'k8s/strimzi',
      'k8s/strimzi-kafkauser',
    ]);
  });

  it.each(ALL_YAML)(
    '%s parses (every document, without warnings) and means the same in YAML 1.1 and 1.2',
    (file) => {
      expect(readYamlDocuments(join(REPO, file), file).length).toBeGreaterThan(0);
    },
  );

  it('the YAML check rejects a scalar YAML 1.1 reads otherwise, a duplicate key, and a non-mapping document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
    try {
      const check = (text: string): (() => unknown) => {
        writeFileSync(join(dir, 'file.yaml'), text);
        return () => readYamlDocuments(join(dir, 'file.yaml'));
      };
      expect(check('readOnly: yes\n')).toThrow(/\/readOnly reads differently as YAML 1.1 and 1.2/);
      expect(check('defaultMode: 0440\n')).toThrow(/reads differently/);
      expect(check('a: 1\na: 2\n')).toThrow(/unique/);
      expect(check('- a\n')).toThrow(/not a mapping/);
      expect(check('readOnly: true\n---\nmode: "0440"\n')()).toEqual([
        { readOnly: true },
        { mode: '0440' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Kubernetes manifests (k8s/)', () => {
  it('every resource is a kind these checks know: built-in kinds validate against the Kubernetes schemas, CRDs by their fields', () => {
    const patches = patchFiles();
    const seen: string[] = [];
    for (const file of K8S_YAML) {
      if (posix.basename(file) === 'kustomization.yaml' || patches.has(file)) continue;
      for (const resource of readYamlDocuments(join(REPO, file), file)) {
        const validate = VALIDATORS[typeOf(resource)];
        expect(
          validate,
          `${file}: ${typeOf(resource)} is not a kind these checks know`,
        ).toBeDefined();
        expect(() => validate?.(resource), `${file}: ${resourceId(resource)}`).not.toThrow();
        seen.push(typeOf(resource));
      }
    }
    expect(new Set(seen)).toEqual(new Set(Object.keys(VALIDATORS)));
  });

  it('the schema checks reject a broken Deployment, Service, Secret and ServiceBinding', () => {
    const deployment = only(rendered('k8s/base'), 'apps/v1/Deployment', APPS[0].deployment);
    const brokenPort = structuredClone(deployment);
    const [container] = at(brokenPort, 'spec', 'template', 'spec', 'containers') as YamlMap[];
    (at(container, 'ports') as YamlMap[])[0] = { name: 'http', containerPort: 'eighty' };
    expect(() => deploymentModel(brokenPort)).toThrow(/containerPort must be integer/);
    const noSelector = structuredClone(deployment);
    delete (noSelector.spec as YamlMap).selector;
    expect(() => deploymentModel(noSelector)).toThrow(/selector/);
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'x' },
      spec: { ports: [{ port: '80' }] },
    };
    expect(() => serviceModel(service)).toThrow(/port must be integer/);
    expect(() =>
      secretModel({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'x' },
        stringData: { brokers: 9094 },
      }),
    ).toThrow(/must be string/);
    const binding = only(rendered('k8s/servicebinding-io'), 'servicebinding.io/v1/ServiceBinding');
    const both = structuredClone(binding);
    (at(both, 'spec', 'workload') as YamlMap).name = 'demo-kafka-producer';
    expect(() => VALIDATORS['servicebinding.io/v1/ServiceBinding']?.(both)).toThrow(/not both/);
  });

  describe.each(KUSTOMIZATIONS)('%s/kustomization.yaml', (dir) => {
    it('lists only paths that exist, and every YAML file beside it', () => {
      const kustomization = readKustomization(REPO, dir);
      for (const entry of [...kustomization.resources, ...kustomization.patches]) {
        expect(existsSync(join(REPO, dir, entry)), `${dir}: ${entry} exists`).toBe(true);
      }
      const listed = new Set(
        [...kustomization.resources, ...kustomization.patches].map((entry) =>
          posix.join(dir, entry),
        ),
      );
      const beside = K8S_YAML.filter(
        (file) => posix.dirname(file) === dir && posix.basename(file) !== 'kustomization.yaml',
      );
      expect(
        beside.filter((file) => !listed.has(file)),
        'files the kustomization does not list',
      ).toEqual([]);
      expect(listed.size, 'no entry twice').toBe(
        kustomization.resources.length + kustomization.patches.length,
      );
    });

    it('renders (resources and patches apply) to both Deployments and both Services, each valid', () => {
      const resources = rendered(dir);
      for (const app of APPS) {
        deploymentOf(resources, app);
        serviceModel(only(resources, 'v1/Service', app.service));
      }
      if (dir !== 'k8s/base')
        expect(
          basesOf(dir),
          'a variant builds on base, itself or through another variant',
        ).toContain('k8s/base');
    });
  });

  describe.each(APPS.map((app) => [app.deployment, app.service, app] as const))(
    'base: %s and %s',
    (_deployment, _service, app) => {
      const base = (): YamlMap[] => rendered('k8s/base');

      it('runs the image compose builds, listening on the port the app defaults to', () => {
        const container = containerOf(deploymentOf(base(), app), app);
        expect(container.image).toBe(app.image);
        expect(container.ports?.map((port) => port.containerPort)).toEqual([DEFAULT_PORT]);
        const port = envOf(container).get('PORT');
        if (port !== undefined) expect(Number(port)).toBe(DEFAULT_PORT);
      });

      it('probes readiness and liveness on routes the app serves, on its port', () => {
        const container = containerOf(deploymentOf(base(), app), app);
        expect(container.readinessProbe?.httpGet?.path).toBe(HEALTH_PATHS.readiness);
        expect(container.livenessProbe?.httpGet?.path).toBe(HEALTH_PATHS.liveness);
        expect(resolvePort(container, container.readinessProbe?.httpGet?.port)).toBe(DEFAULT_PORT);
        expect(resolvePort(container, container.livenessProbe?.httpGet?.port)).toBe(DEFAULT_PORT);
      });

      it('is exposed as a NodePort Service on the walkthrough port, port 80 to the container port', () => {
        const deployment = deploymentOf(base(), app);
        const service = serviceModel(only(base(), 'v1/Service', app.service));
        expect(service.spec?.type).toBe('NodePort');
        expect(service.spec?.selector, 'selects the pods').toBeDefined();
        expect(deployment.spec?.template.metadata?.labels).toMatchObject(
          service.spec?.selector ?? {},
        );
        const [port, ...more] = service.spec?.ports ?? [];
        expect(more).toEqual([]);
        expect(port?.port).toBe(80);
        expect(port?.nodePort).toBe(NODE_PORTS[app.key]);
        expect(resolvePort(containerOf(deployment, app), port?.targetPort)).toBe(DEFAULT_PORT);
        // Every other Service must not select these pods by accident.
        const podLabels = deployment.spec?.template.metadata?.labels;
        const selecting = base().filter(
          (r) => typeOf(r) === 'v1/Service' && selects(at(r, 'spec', 'selector'), podLabels),
        );
        expect(selecting.map(nameOf)).toEqual([app.service]);
      });

      it('runs with the restricted security context', () => {
        const deployment = deploymentOf(base(), app);
        expectRestricted(podSpecOf(deployment), containerOf(deployment, app));
      });

      it('requests resources and sets limits above them', () => {
        expectResources(containerOf(deploymentOf(base(), app), app));
      });

      it('sets only environment variables the app reads', () => {
        const container = containerOf(deploymentOf(base(), app), app);
        expect(container.envFrom ?? [], 'envFrom would set variables no check sees').toEqual([]);
        const unread = [...envOf(container).keys()].filter((name) => !envReadBy(app).has(name));
        expect(unread).toEqual([]);
      });

      it(`mounts the Secret ${SECRET_NAME} read-only where ${SOURCE_ENV.bindingDir} points`, () => {
        const deployment = deploymentOf(base(), app);
        const bindingDir = envOf(containerOf(deployment, app)).get(SOURCE_ENV.bindingDir);
        expect(mountedSecrets(deployment, app)).toEqual([
          { secretName: SECRET_NAME, mountPath: bindingDir, readOnly: true },
        ]);
      });
    },
  );

  describe('variant service-catalog', () => {
    const resources = (): YamlMap[] => rendered('k8s/service-catalog');

    it(`asks the broker for a cloudkarafka duck instance and binds it into the mounted Secret`, () => {
      const instance = only(resources(), 'servicecatalog.k8s.io/v1beta1/ServiceInstance');
      expect(nameOf(instance)).toBe('demo-kafka');
      expect(at(instance, 'spec', 'clusterServiceClassExternalName')).toBe('cloudkarafka');
      expect(at(instance, 'spec', 'clusterServicePlanExternalName')).toBe('duck');
      const binding = only(resources(), 'servicecatalog.k8s.io/v1beta1/ServiceBinding');
      expect(nameOf(binding)).toBe('demo-kafka-binding');
      expect(at(binding, 'spec', 'instanceRef', 'name')).toBe(nameOf(instance));
      for (const app of APPS) {
        expect(
          mountedSecrets(deploymentOf(resources(), app), app).map((m) => m.secretName),
        ).toEqual([at(binding, 'spec', 'secretName')]);
      }
      expect(
        resources().filter((r) => r.kind === 'Secret'),
        'the broker writes the Secret',
      ).toEqual([]);
    });
  });

  describe('variant plain-secret', () => {
    const resources = (): YamlMap[] => rendered('k8s/plain-secret');

    it('provides the mounted Secret with exactly the keys a broker binding has', () => {
      const secret = secretModel(only(resources(), 'v1/Secret'));
      for (const app of APPS) {
        expect(
          mountedSecrets(deploymentOf(resources(), app), app).map((m) => m.secretName),
        ).toEqual([secret.metadata?.name]);
      }
      expect(secret.data, 'placeholders are readable as stringData').toBeUndefined();
      expect(Object.keys(secret.stringData ?? {}).sort()).toEqual([...SECRET_KEYS].sort());
      expect(secret.stringData?.ca).toMatch(
        /-----BEGIN CERTIFICATE-----[\s\S]*-----END CERTIFICATE-----/,
      );
    });
  });

  describe('variant servicebinding-io', () => {
    const resources = (): YamlMap[] => rendered('k8s/servicebinding-io');

    it('leaves mounting to the servicebinding.io runtime', () => {
      for (const app of APPS) {
        const deployment = deploymentOf(resources(), app);
        expect(
          mountedSecrets(deployment, app),
          `${app.deployment} mounts no Secret itself`,
        ).toEqual([]);
        expect(podSpecOf(deployment).volumes?.filter((v) => v.secret) ?? []).toEqual([]);
        // KAFKA_BINDING_DIR would win over the SERVICE_BINDING_ROOT the runtime sets.
        expect(envOf(containerOf(deployment, app)).has(SOURCE_ENV.bindingDir)).toBe(false);
        expect(
          envOf(containerOf(deployment, app)).has(SOURCE_ENV.serviceBindingRoot),
          'the runtime sets it',
        ).toBe(false);
      }
    });

    it('binds the Secret to both Deployments, projected with type kafka', () => {
      const binding = only(resources(), 'servicebinding.io/v1/ServiceBinding');
      const service = at(binding, 'spec', 'service');
      expect([at(service, 'apiVersion'), at(service, 'kind')]).toEqual(['v1', 'Secret']);
      const secret = secretModel(only(resources(), 'v1/Secret', String(at(service, 'name'))));
      expect(secret.metadata?.name).toBe(SECRET_NAME);

      const workload = at(binding, 'spec', 'workload');
      expect([at(workload, 'apiVersion'), at(workload, 'kind')]).toEqual(['apps/v1', 'Deployment']);
      const matchLabels = at(workload, 'selector', 'matchLabels');
      const bound = resources()
        .filter((r) => typeOf(r) === 'apps/v1/Deployment')
        .filter((r) =>
          at(workload, 'name') !== undefined
            ? nameOf(r) === at(workload, 'name')
            : selects(matchLabels, at(r, 'metadata', 'labels')),
        );
      expect(bound.map(nameOf).sort()).toEqual(APPS.map((app) => app.deployment).sort());
      expect(
        at(workload, 'selector', 'matchExpressions'),
        'matchLabels only: these checks evaluate no expressions',
      ).toBeUndefined();

      // The apps pick the binding under SERVICE_BINDING_ROOT whose `type` is kafka.
      expect(at(binding, 'spec', 'type') ?? secret.stringData?.type).toBe('kafka');
    });

    it('provides an example Secret as a servicebinding.io provisioned service', () => {
      const secret = secretModel(only(resources(), 'v1/Secret'));
      expect(secret.type).toBe('servicebinding.io/kafka');
      expect(secret.stringData?.type).toBe('kafka');
      expect(Object.keys(secret.stringData ?? {}).sort()).toEqual([...SECRET_KEYS, 'type'].sort());
    });
  });

  describe('variant access-tokens', () => {
    const resources = (): YamlMap[] => rendered('k8s/access-tokens');
    /** The variant it layers on, which gives the apps their Kafka binding. */
    const layeredOn = (): YamlMap[] => rendered('k8s/plain-secret');
    const envIn = (from: YamlMap[], app: App): Map<string, string | undefined> =>
      envOf(containerOf(deploymentOf(from, app), app));
    /** One setting, the same in both apps. */
    const setting = (name: string): string => {
      const values = APPS.map((app) => envIn(resources(), app).get(name));
      expect(new Set(values).size, `${name} is the same in both apps`).toBe(1);
      expect(values[0], `${name} is set`).toBeTruthy();
      return values[0] as string;
    };
    const job = (): Job => jobModel(only(resources(), 'batch/v1/Job', 'demo-kafka-token-post'));
    const jobPod = (): IPodSpec => {
      const spec = job().spec?.template.spec;
      if (!spec) throw new Error('the Job has no pod spec');
      return spec;
    };
    const jobContainer = (): IContainer => {
      const containers = jobPod().containers;
      expect(containers, 'the Job runs one container').toHaveLength(1);
      return containers[0] as IContainer;
    };
    /** The namespace a resource lands in: the one it names, else kubectl's current (`default`). */
    const namespaceOf = (resource: YamlMap): string =>
      String(at(resource, 'metadata', 'namespace') ?? 'default');
    const AUTH_SETTINGS = ['AUTH_ISSUER', 'AUTH_JWKS_URI', 'AUTH_AUDIENCE', 'AUTH_SUBJECTS'];
    /** Read by Node itself at start-up, not by the apps' settings. */
    const NODE_ENV_OWN = 'NODE_EXTRA_CA_CERTS';

    it('layers on plain-secret: every resource of it, and the same Kafka binding mounted', () => {
      expect(readKustomization(REPO, 'k8s/access-tokens').resources).toContain('../plain-secret');
      const ids = resources().map(resourceId);
      for (const resource of layeredOn()) expect(ids).toContain(resourceId(resource));
      for (const app of APPS) {
        expect(mountedSecrets(deploymentOf(resources(), app), app)).toEqual(
          mountedSecrets(deploymentOf(layeredOn(), app), app),
        );
      }
    });

    it.each(APPS.map((app) => [app.deployment, app] as const))(
      '%s: the variables it adds are settings the app reads (AUTH_*) and NODE_EXTRA_CA_CERTS',
      (_deployment, app) => {
        const before = envIn(layeredOn(), app);
        const env = envIn(resources(), app);
        const added = [...env.keys()].filter((name) => !before.has(name));
        expect([...added].sort()).toEqual([...AUTH_SETTINGS, NODE_ENV_OWN].sort());
        // The app's own settings spec (producerSettingsSpec, consumerSettingsSpec) reads each AUTH_* one.
        const spec: Readonly<Record<string, unknown>> =
          app.key === 'producer' ? producerSettingsSpec : consumerSettingsSpec;
        for (const name of added.filter((n) => n !== NODE_ENV_OWN))
          expect(Object.keys(spec), `${app.deployment} reads ${name}`).toContain(name);
        const unread = [...env.keys()].filter(
          (name) => !envReadBy(app).has(name) && name !== NODE_ENV_OWN,
        );
        expect(unread).toEqual([]);
        // Values the variant keeps from the layer below are unchanged.
        for (const [name, value] of before) expect(env.get(name), name).toBe(value);
      },
    );

    it("checks tokens from the cluster's own issuer, fetching its key set from the API server", () => {
      expect(setting('AUTH_ISSUER')).toBe('https://kubernetes.default.svc.cluster.local');
      expect(setting('AUTH_JWKS_URI')).toBe('https://kubernetes.default.svc/openid/v1/jwks');
      expect(setting('AUTH_AUDIENCE')).toBe('demo-kafka');
    });

    it('trusts the cluster CA from the kube-root-ca.crt ConfigMap, with no service-account token in the apps', () => {
      const caFile = setting(NODE_ENV_OWN);
      for (const app of APPS) {
        const deployment = deploymentOf(resources(), app);
        expect(
          podSpecOf(deployment).automountServiceAccountToken,
          'the apps call no Kubernetes API',
        ).toBe(false);
        const mount = containerOf(deployment, app).volumeMounts?.find(
          (m) => m.mountPath === posix.dirname(caFile),
        );
        expect(mount?.readOnly, `${app.deployment} mounts ${posix.dirname(caFile)}`).toBe(true);
        const volume = podSpecOf(deployment).volumes?.find((v) => v.name === mount?.name);
        const sources = volume?.projected?.sources ?? (volume?.configMap ? [volume] : []);
        const files = sources.flatMap((source) =>
          source.configMap?.name === 'kube-root-ca.crt'
            ? (source.configMap.items ?? [{ key: 'ca.crt', path: 'ca.crt' }])
            : [],
        );
        expect(files).toContainEqual({ key: 'ca.crt', path: posix.basename(caFile) });
      }
    });

    it("AUTH_SUBJECTS names exactly the Job's ServiceAccount, in the namespace the Job runs in", () => {
      const jobResource = only(resources(), 'batch/v1/Job', 'demo-kafka-token-post');
      const accountName = jobPod().serviceAccountName;
      expect(accountName).toBe('demo-kafka-writer');
      const account = only(resources(), 'v1/ServiceAccount', accountName);
      expect(namespaceOf(account)).toBe(namespaceOf(jobResource));
      expect(listOf(setting('AUTH_SUBJECTS'))).toEqual([
        `system:serviceaccount:${namespaceOf(jobResource)}:${accountName}`,
      ]);
    });

    it('the Job posts with a projected token of the audience the apps require, valid 10 minutes, and no other token', () => {
      const pod = jobPod();
      expect(pod.automountServiceAccountToken).toBe(false);
      const tokens = (pod.volumes ?? []).flatMap((volume) =>
        (volume.projected?.sources ?? []).flatMap((source) =>
          source.serviceAccountToken
            ? [{ volume: volume.name, ...source.serviceAccountToken }]
            : [],
        ),
      );
      expect(tokens).toHaveLength(1);
      const [token] = tokens;
      expect(token?.audience).toBe(setting('AUTH_AUDIENCE'));
      expect(token?.expirationSeconds).toBe(600);
      const mount = jobContainer().volumeMounts?.find((m) => m.name === token?.volume);
      expect(mount?.readOnly).toBe(true);
      expect(envOf(jobContainer()).get('TOKEN_FILE')).toBe(
        posix.join(mount?.mountPath ?? '', token?.path ?? ''),
      );
    });

    it("the Job runs the producer's image and posts to the producer Service, on its port", () => {
      const container = jobContainer();
      const producer = APPS[0];
      expect(container.image).toBe(
        containerOf(deploymentOf(resources(), producer), producer).image,
      );
      expect(container.command?.slice(0, 2)).toEqual(['node', '-e']);
      const url = new URL(envOf(container).get('PRODUCER_URL') ?? '');
      const service = serviceModel(only(resources(), 'v1/Service', producer.service));
      expect(url.protocol).toBe('http:');
      expect(url.hostname).toBe(service.metadata?.name);
      expect(Number(url.port || 80)).toBe(service.spec?.ports?.[0]?.port);
      expect(url.pathname).toBe(MESSAGES_PATH);
      expect(job().spec?.template.spec?.restartPolicy).toBe('Never');
    });

    it('the Job runs with the restricted security context and resource limits, as the Deployments', () => {
      expectRestricted(jobPod(), jobContainer());
      expectResources(jobContainer());
      expect(jobPod().securityContext?.runAsGroup).toBe(1000);
      const tmp = jobContainer().volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(jobPod().volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    });

    it("the Job's script sends the token as a bearer token and succeeds only on a 200", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'token-post-'));
      const seen: { authorization?: string; body: string }[] = [];
      let status = 200;
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          seen.push({
            authorization: req.headers.authorization,
            body: Buffer.concat(chunks).toString(),
          });
          res.writeHead(status, { 'content-type': 'text/plain' }).end('answer');
        });
      });
      try {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as AddressInfo;
        const tokenFile = join(dir, 'token');
        writeFileSync(tokenFile, 'header.payload.signature');
        const [, , script] = jobContainer().command ?? [];
        const run = (url: string): Promise<number | null> =>
          new Promise((resolve, reject) => {
            const child = spawn(process.execPath, ['-e', script ?? ''], {
              env: { PRODUCER_URL: url, TOKEN_FILE: tokenFile },
              stdio: 'ignore',
            });
            child.on('error', reject);
            child.on('exit', resolve);
          });
        const url = `http://127.0.0.1:${port}${MESSAGES_PATH}`;
        expect(await run(url)).toBe(0);
        expect(seen).toEqual([
          { authorization: 'Bearer header.payload.signature', body: expect.any(String) },
        ]);
        expect(seen[0]?.body).not.toBe('');
        for (const refused of [401, 403, 503]) {
          status = refused;
          expect(await run(url), `exits non-zero on ${refused}`).not.toBe(0);
        }
        await new Promise<void>((resolve) => server.close(() => resolve()));
        expect(await run(url), 'exits non-zero when the producer is out of reach').not.toBe(0);
      } finally {
        server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);

    it('lets anyone read only the key set: system:service-account-issuer-discovery bound to system:unauthenticated', () => {
      const bindings = resources().filter((r) => String(r.apiVersion).startsWith('rbac.'));
      expect(bindings.map(typeOf)).toEqual(['rbac.authorization.k8s.io/v1/ClusterRoleBinding']);
      const binding = clusterRoleBindingModel(bindings[0] as YamlMap);
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:service-account-issuer-discovery',
      });
      expect(binding.subjects).toEqual([
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' },
      ]);
    });
  });

  describe('variant https', () => {
    const resources = (): YamlMap[] => rendered('k8s/https');
    /** The variant it layers on, which gives the apps their Kafka binding. */
    const layeredOn = (): YamlMap[] => rendered('k8s/plain-secret');
    const envIn = (from: YamlMap[], app: App): Map<string, string | undefined> =>
      envOf(containerOf(deploymentOf(from, app), app));
    const certificate = (name: string): YamlMap =>
      only(resources(), 'cert-manager.io/v1/Certificate', name);
    /** The Issuer a Certificate names (namespaced, so one of this variant's own). */
    const issuerOf = (cert: YamlMap): YamlMap => {
      expect(at(cert, 'spec', 'issuerRef', 'kind') ?? 'Issuer').toBe('Issuer');
      expect(at(cert, 'spec', 'issuerRef', 'group') ?? 'cert-manager.io').toBe('cert-manager.io');
      return only(
        resources(),
        'cert-manager.io/v1/Issuer',
        String(at(cert, 'spec', 'issuerRef', 'name')),
      );
    };
    const SERVING = 'demo-kafka-tls';
    /** The namespace the other variants assume (the manifests name none). */
    const NAMESPACE = 'default';
    const TLS_SETTINGS = ['TLS_CERT_FILE', 'TLS_KEY_FILE'];
    /** The keys cert-manager writes into a Certificate's Secret (type kubernetes.io/tls). */
    const TLS_KEYS: Readonly<Record<string, string>> = {
      TLS_CERT_FILE: 'tls.crt',
      TLS_KEY_FILE: 'tls.key',
    };
    /** A Go duration (cert-manager's duration, renewBefore) in hours. */
    const hours = (value: unknown): number => {
      const units: Record<string, number> = { h: 1, m: 1 / 60, s: 1 / 3600 };
      const parts = [...String(value).matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
      expect(parts.map((p) => p[0]).join(''), `${String(value)} in h, m and s`).toBe(String(value));
      return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (units[unit ?? ''] ?? NaN), 0);
    };
    /** The mount of the serving certificate's Secret in the app's container. */
    const tlsMount = (app: App): ReturnType<typeof mountedSecrets>[number] => {
      const secretName = at(certificate(SERVING), 'spec', 'secretName');
      const mounts = mountedSecrets(deploymentOf(resources(), app), app).filter(
        (m) => m.secretName === secretName,
      );
      expect(mounts, `${app.deployment} mounts ${String(secretName)} once`).toHaveLength(1);
      return mounts[0] as ReturnType<typeof mountedSecrets>[number];
    };

    it('layers on plain-secret: every resource of it, and the same Kafka binding mounted', () => {
      expect(readKustomization(REPO, 'k8s/https').resources).toContain('../plain-secret');
      const ids = resources().map(resourceId);
      for (const resource of layeredOn()) expect(ids).toContain(resourceId(resource));
      for (const app of APPS) {
        const below = mountedSecrets(deploymentOf(layeredOn(), app), app);
        const mounts = mountedSecrets(deploymentOf(resources(), app), app);
        expect(mounts.filter((m) => m.secretName !== SERVING)).toEqual(below);
      }
    });

    it.each(APPS.map((app) => [app.deployment, app] as const))(
      '%s: the variables it adds are the TLS_* settings the app reads, naming files of the mounted Secret',
      (_deployment, app) => {
        const before = envIn(layeredOn(), app);
        const env = envIn(resources(), app);
        const added = [...env.keys()].filter((name) => !before.has(name));
        expect([...added].sort()).toEqual([...TLS_SETTINGS].sort());
        // The app's own settings spec (producerSettingsSpec, consumerSettingsSpec) reads each one.
        const spec: Readonly<Record<string, unknown>> =
          app.key === 'producer' ? producerSettingsSpec : consumerSettingsSpec;
        for (const name of added)
          expect(Object.keys(spec), `${app.deployment} reads ${name}`).toContain(name);
        const mount = tlsMount(app);
        expect(mount.readOnly).toBe(true);
        for (const name of TLS_SETTINGS) {
          const file = env.get(name) ?? '';
          expect(posix.dirname(file), `${name} lies in the mounted Secret`).toBe(mount.mountPath);
          expect(posix.basename(file), `${name} is a key cert-manager writes`).toBe(TLS_KEYS[name]);
        }
        // Values the variant keeps from the layer below are unchanged.
        for (const [name, value] of before) expect(env.get(name), name).toBe(value);
      },
    );

    it.each(APPS.map((app) => [app.deployment, app] as const))(
      '%s: mounts the whole Secret as a directory (no subPath, no items), so renewals reach the files',
      (_deployment, app) => {
        const deployment = deploymentOf(resources(), app);
        const mount = tlsMount(app);
        const volumeMount = containerOf(deployment, app).volumeMounts?.find(
          (m) => m.mountPath === mount.mountPath,
        );
        expect(volumeMount?.subPath, 'a subPath mount never sees a renewal').toBeUndefined();
        expect(volumeMount?.subPathExpr).toBeUndefined();
        const volume = podSpecOf(deployment).volumes?.find((v) => v.name === volumeMount?.name);
        expect(volume?.secret?.items, 'the keys keep their names').toBeUndefined();
        expect(volume?.secret?.optional ?? false, 'no plain HTTP start without it').toBe(false);
      },
    );

    it.each(APPS.map((app) => [app.deployment, app] as const))(
      '%s: every probe asks over HTTPS, on the same path and port as the layer below',
      (_deployment, app) => {
        const container = containerOf(deploymentOf(resources(), app), app);
        const below = containerOf(deploymentOf(layeredOn(), app), app);
        const probes = { readinessProbe: 0, livenessProbe: 0, startupProbe: 0 };
        const kinds = (Object.keys(probes) as (keyof typeof probes)[]).filter(
          (kind) => container[kind] !== undefined,
        );
        expect(kinds).toEqual(
          (Object.keys(probes) as (keyof typeof probes)[]).filter(
            (kind) => below[kind] !== undefined,
          ),
        );
        expect(kinds).toContain('readinessProbe');
        expect(kinds).toContain('livenessProbe');
        for (const kind of kinds) {
          const httpGet = container[kind]?.httpGet;
          expect(httpGet?.scheme, `${kind} scheme`).toBe('HTTPS');
          expect(httpGet?.path, `${kind} path`).toBe(below[kind]?.httpGet?.path);
          expect(httpGet?.port, `${kind} port`).toBe(below[kind]?.httpGet?.port);
        }
      },
    );

    it(`the Certificate ${SERVING} writes the Secret both apps mount, signed by a CA issuer whose CA a selfSigned issuer signs`, () => {
      const serving = certificate(SERVING);
      expect(at(serving, 'spec', 'secretName')).toBe(SERVING);
      expect(at(serving, 'spec', 'isCA') ?? false).toBe(false);
      for (const app of APPS)
        expect(tlsMount(app).secretName).toBe(at(serving, 'spec', 'secretName'));
      const usages = at(serving, 'spec', 'usages');
      if (usages !== undefined) expect(usages).toContain('server auth');

      const caIssuer = issuerOf(serving);
      const caSecret = at(caIssuer, 'spec', 'ca', 'secretName');
      expect(caSecret, 'the serving certificate is signed by a CA issuer').toBeDefined();
      const caCertificates = resources().filter(
        (r) =>
          typeOf(r) === 'cert-manager.io/v1/Certificate' &&
          at(r, 'spec', 'secretName') === caSecret,
      );
      expect(caCertificates.map(nameOf), `one Certificate writes ${String(caSecret)}`).toHaveLength(
        1,
      );
      const ca = caCertificates[0] as YamlMap;
      expect(at(ca, 'spec', 'isCA')).toBe(true);
      expect(at(issuerOf(ca), 'spec', 'selfSigned')).toEqual({});
      expect(caSecret, 'the CA key is not the one the apps mount').not.toBe(SERVING);
      expect(
        resources().filter((r) => r.kind === 'Secret' && [SERVING, caSecret].includes(nameOf(r))),
        'cert-manager writes both Secrets',
      ).toEqual([]);
    });

    it("the Certificate's dnsNames cover both Services, by name and namespace-qualified", () => {
      const dnsNames = at(certificate(SERVING), 'spec', 'dnsNames') as string[];
      const services = APPS.map((app) =>
        String(serviceModel(only(resources(), 'v1/Service', app.service)).metadata?.name),
      );
      /** The names a client in the cluster may use for `service`, short of the cluster domain. */
      const namesOf = (service: string): string[] => [
        service,
        `${service}.${NAMESPACE}`,
        `${service}.${NAMESPACE}.svc`,
      ];
      for (const service of services)
        for (const name of namesOf(service)) expect(dnsNames).toContain(name);
      // Every name is one of these Services' (with the cluster domain after .svc, or without).
      for (const name of dnsNames)
        expect(
          services.some(
            (service) =>
              namesOf(service).includes(name) || name.startsWith(`${service}.${NAMESPACE}.svc.`),
          ),
          `${name} names one of the Services`,
        ).toBe(true);
      expect(new Set(dnsNames).size, 'no name twice').toBe(dnsNames.length);
    });

    it('renews the serving certificate well before it ends, with a new private key each time', () => {
      const spec = at(certificate(SERVING), 'spec');
      const duration = hours(at(spec, 'duration'));
      const renewBefore = hours(at(spec, 'renewBefore'));
      // cert-manager's bounds: at least an hour of lifetime, and renewBefore at least 5 minutes.
      expect(duration).toBeGreaterThanOrEqual(1);
      expect(duration, 'a short-lived certificate: at most 397 days').toBeLessThanOrEqual(397 * 24);
      expect(renewBefore).toBeGreaterThanOrEqual(5 / 60);
      expect(renewBefore, 'renewed before it ends').toBeLessThan(duration);
      expect(renewBefore, 'room for a few failed attempts').toBeGreaterThanOrEqual(duration / 6);
      expect(at(spec, 'privateKey', 'rotationPolicy')).toBe('Always');
      // The CA outlives the serving certificates it signs.
      const ca = issuerOf(certificate(SERVING));
      const caCertificate = resources().find(
        (r) =>
          typeOf(r) === 'cert-manager.io/v1/Certificate' &&
          at(r, 'spec', 'secretName') === at(ca, 'spec', 'ca', 'secretName'),
      );
      expect(hours(at(caCertificate, 'spec', 'duration'))).toBeGreaterThan(duration);
    });

    it('the cert-manager checks reject a misspelt field, a missing issuer name, a wrong key size and a bad duration', () => {
      const validate =
        (resource: YamlMap): (() => void) =>
        () =>
          VALIDATORS[typeOf(resource)]?.(resource);
      const serving = certificate(SERVING);
      expect(validate(serving)).not.toThrow();
      const misspelt = structuredClone(serving);
      (misspelt.spec as YamlMap).dnsName = ['x'];
      expect(validate(misspelt)).toThrow(/additional properties/);
      const noIssuer = structuredClone(serving);
      delete (at(noIssuer, 'spec', 'issuerRef') as YamlMap).name;
      expect(validate(noIssuer)).toThrow(/name/);
      const keySize = structuredClone(serving);
      (at(keySize, 'spec', 'privateKey') as YamlMap).size = 2048;
      expect(validate(keySize)).toThrow(/allowed values/);
      const duration = structuredClone(serving);
      (duration.spec as YamlMap).duration = '90d';
      expect(validate(duration)).toThrow(/pattern/);
      const issuer = structuredClone(issuerOf(serving));
      (issuer.spec as YamlMap).selfSigned = {};
      expect(validate(issuer), 'one issuer type').toThrow(/more than 1/);
    });
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
  describe.skipIf(!kubectl)('kubectl kustomize (when kubectl is installed)', () => {
    it.each(KUSTOMIZATIONS)('renders %s as these checks do', (dir) => {
      const result = spawnSync('kubectl', ['kustomize', dir], { cwd: REPO, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const byId = (resources: YamlMap[]): Map<string, YamlMap> =>
        new Map(resources.map((r) => [`${typeOf(r)}/${String(nameOf(r))}`, r]));
      const theirs = parseAllDocuments(result.stdout)
        .map((doc) => doc.toJS() as unknown)
        .filter(isYamlMap);
      expect(byId(theirs)).toEqual(byId(rendered(dir)));
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  const compose = (): YamlMap => {
    const [doc, ...more] = readYamlDocuments(
      join(REPO, 'docker-compose.yml'),
      'docker-compose.yml',
    );
    expect(more).toEqual([]);
    return doc as YamlMap;
  };
  const service = (name: string): YamlMap => {
    const value = at(compose(), 'services', name);
    if (!isYamlMap(value)) throw new Error(`docker-compose.yml has no service ${name}`);
    return value;
  };
  const environment = (svc: YamlMap): Map<string, string> => {
    const env = svc.environment ?? {};
    if (Array.isArray(env))
      return new Map(
        env.map((line) => String(line).split(/=(.*)/s).slice(0, 2) as [string, string]),
      );
    return new Map(
      Object.entries(isYamlMap(env) ? env : {}).map(([key, value]) => [key, String(value)]),
    );
  };

  // The Compose specification's JSON schema, as the dclint package ships it (npm has no
  // package from the compose-spec project itself).
  const validateCompose = (() => {
    const schemaPath = join(
      dirname(createRequire(import.meta.url).resolve('dclint/package.json')),
      'schemas',
      'compose.schema.json',
    );
    // The schema names its draft (07) by an https URL Ajv does not know; Ajv's default is draft-07.
    const { $schema: _draft07, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<
      string,
      unknown
    >;
    return new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);
  })();
  const schemaErrors = (doc: unknown): string[] =>
    validateCompose(doc)
      ? []
      : (validateCompose.errors ?? []).map(
          (e: ErrorObject) =>
            `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
        );

  it('validates against the Compose specification schema', () => {
    expect(schemaErrors(compose())).toEqual([]);
  });

  it('the schema check rejects an unknown service key and a wrong type', () => {
    const unknownKey = structuredClone(compose());
    (at(unknownKey, 'services', 'producer') as YamlMap).portz = ['1:1'];
    expect(schemaErrors(unknownKey).join('\n')).toMatch(/additional properties/);
    const wrongType = structuredClone(compose());
    (at(wrongType, 'services', 'kafka') as YamlMap).healthcheck = { interval: 5 };
    expect(schemaErrors(wrongType)).not.toEqual([]);
  });

  it('runs Kafka from the official image of the release the tests run, as a single KRaft node, with a healthcheck', () => {
    const kafka = service('kafka');
    expect(kafka.image).toBe(`apache/kafka:${kafkaVersion()}`);
    const env = environment(kafka);
    const kraft = [
      'KAFKA_NODE_ID',
      'KAFKA_PROCESS_ROLES',
      'KAFKA_CONTROLLER_QUORUM_VOTERS',
      'KAFKA_CONTROLLER_LISTENER_NAMES',
    ];
    const listenerSettings = [
      'KAFKA_LISTENERS',
      'KAFKA_ADVERTISED_LISTENERS',
      'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP',
    ];
    for (const name of [...kraft, ...listenerSettings]) {
      expect(env.get(name), name).toBeTruthy();
    }
    expect(env.get('KAFKA_PROCESS_ROLES')?.split(',').sort()).toEqual(['broker', 'controller']);
    // A single broker cannot host internal topics with the default replication factor of 3.
    expect(env.get('KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR')).toBe('1');
    expect(env.get('KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR')).toBe('1');
    // The only voter is this node, on its controller listener.
    const listeners = new Map(
      listOf(env.get('KAFKA_LISTENERS')).map(
        (l) => /^(\w+):\/\/[^:]*:(\d+)$/.exec(l)?.slice(1, 3) as [string, string],
      ),
    );
    const controllerPort = listeners.get(env.get('KAFKA_CONTROLLER_LISTENER_NAMES') ?? '');
    expect(controllerPort).toBeDefined();
    expect(env.get('KAFKA_CONTROLLER_QUORUM_VOTERS')).toBe(
      `${env.get('KAFKA_NODE_ID')}@kafka:${controllerPort}`,
    );
    expect(at(kafka, 'healthcheck', 'test')).toBeDefined();
  });

  describe.each(APPS.map((app) => [app.key, app] as const))('service %s', (_key, app) => {
    it('is built from its Dockerfile into the image the Kubernetes manifests run', () => {
      const svc = service(app.key);
      expect(at(svc, 'build', 'context')).toBe('.');
      expect(at(svc, 'build', 'dockerfile')).toBe(`${app.workspace}/Dockerfile`);
      expect(existsSync(join(REPO, app.workspace, 'Dockerfile'))).toBe(true);
      expect(svc.image).toBe(containerOf(deploymentOf(rendered('k8s/base'), app), app).image);
    });

    it('publishes the walkthrough NodePort on the app port', () => {
      const ports = (service(app.key).ports as unknown[]).map((port) => {
        if (isYamlMap(port))
          return { published: Number(port.published), target: Number(port.target) };
        const parts = String(port).split(':');
        return { published: Number(parts.at(-2)), target: Number(parts.at(-1)) };
      });
      expect(ports).toEqual([{ published: NODE_PORTS[app.key], target: DEFAULT_PORT }]);
    });

    it('starts once Kafka is healthy, and reaches it on an advertised PLAINTEXT listener', () => {
      const svc = service(app.key);
      expect(at(svc, 'depends_on', 'kafka', 'condition')).toBe('service_healthy');
      const kafkaEnv = environment(service('kafka'));
      const protocols = new Map(
        listOf(kafkaEnv.get('KAFKA_LISTENER_SECURITY_PROTOCOL_MAP')).map(
          (pair) => pair.split(':') as [string, string],
        ),
      );
      const plaintext = listOf(kafkaEnv.get('KAFKA_ADVERTISED_LISTENERS'))
        .map((listener) => /^(\w+):\/\/(.+)$/.exec(listener))
        .filter((match) => match && protocols.get(match[1] ?? '') === 'PLAINTEXT')
        .map((match) => match?.[2]);
      const brokers = environment(svc).get('KAFKA_BROKERS')?.split(',') ?? [];
      expect(brokers.length).toBeGreaterThan(0);
      for (const broker of brokers) expect(plaintext).toContain(broker);
    });

    it('sets only environment variables the app reads', () => {
      const unread = [...environment(service(app.key)).keys()].filter(
        (name) => !envReadBy(app).has(name),
      );
      expect(unread).toEqual([]);
    });

    it('checks health on the readiness route and keeps /tmp writable on a read-only filesystem', () => {
      const svc = service(app.key);
      const test = JSON.stringify(at(svc, 'healthcheck', 'test') ?? '');
      const url = /https?:\/\/[^/:'"]+:(\d+)(\/[^'"\\]*)/.exec(test);
      expect(url?.[1]).toBe(String(DEFAULT_PORT));
      expect(url?.[2]).toBe(HEALTH_PATHS.readiness);
      if (svc.read_only === true) expect(svc.tmpfs).toContain('/tmp');
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(APPS.map((app) => [app.workspace, app] as const))(
  '%s/Dockerfile',
  (_workspace, app) => {
    const stages = (): Stage[] => parseDockerfile(read(`${app.workspace}/Dockerfile`));
    const instructions = (stage: Stage | undefined, keyword: string): string[] =>
      (stage?.instructions ?? []).filter((i) => i.keyword === keyword).map((i) => i.args);
    const workdir = (stage: Stage | undefined): string =>
      instructions(stage, 'WORKDIR').at(-1) ?? '/';
    const runtime = (): Stage => stages().at(-1) as Stage;
    const build = (): Stage => {
      const [first, ...rest] = stages();
      expect(rest.length, 'a build stage and a runtime stage').toBe(1);
      return first as Stage;
    };
    /** Repository paths a stage COPYs from the build context. */
    const contextCopies = (stage: Stage): string[] =>
      instructions(stage, 'COPY')
        .map(parseCopy)
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources.map((s) => posix.normalize(s)));
    const copies = (stage: Stage, path: string): boolean =>
      contextCopies(stage).some((source) => path === source || path.startsWith(`${source}/`));
    const closure = (): string[] => workspaceClosure(app.workspace);

    it('builds on a pinned slim Node LTS image and runs on the same one', () => {
      const images = stages().map((stage) => stage.from);
      const match = /^node:(\d+)-[a-z]+-slim$/.exec(images[0] ?? '');
      expect(match, `${images[0]} pins a Node major on a slim Debian`).not.toBeNull();
      const major = Number(match?.[1]);
      expect(major % 2, 'even majors are the LTS lines').toBe(0);
      const minimum = Number(/>=\s*(\d+)/.exec(ROOT_PACKAGE.engines?.node ?? '')?.[1]);
      expect(major).toBeGreaterThanOrEqual(minimum);
      expect(new Set(images).size).toBe(1);
    });

    it('copies from the context only paths that exist and .dockerignore keeps, to the same place under WORKDIR', () => {
      const ignored = dockerignoreMatcher(read('.dockerignore'));
      for (const stage of stages()) {
        const cwd = workdir(stage);
        for (const copy of instructions(stage, 'COPY')
          .map(parseCopy)
          .filter((c) => c.from === undefined)) {
          for (const source of copy.sources) {
            expect(existsSync(join(REPO, source)), `${source} exists`).toBe(true);
            expect(ignored(source), `${source} is not in .dockerignore`).toBe(false);
            // Same layout as the repository, which the workspace links in node_modules rely on.
            const isDir = statSync(join(REPO, source)).isDirectory();
            const dest = posix.resolve(cwd, copy.dest);
            const placed =
              copy.dest.endsWith('/') && !isDir ? posix.join(dest, posix.basename(source)) : dest;
            expect(placed, `COPY ${source}`).toBe(posix.join(cwd, source));
          }
        }
      }
      for (const path of [
        'node_modules',
        'packages/config/node_modules',
        'apps/producer/dist',
        '.git',
        'packages/local-kafka/.kafka-jars',
      ]) {
        expect(ignored(path), `${path} is in .dockerignore`).toBe(true);
      }
    });

    it('builds exactly the workspaces the app imports, each after those it depends on, from the files each build reads', () => {
      const stage = build();
      const builds = instructions(stage, 'RUN')
        .flatMap(npmCommands)
        .filter((words) => words[1] === 'run' && words[2] === 'build');
      expect(builds).toHaveLength(1);
      const order = npmWorkspaces(builds[0] ?? []);
      expect([...order].sort()).toEqual([...closure()].sort());
      for (const ws of order) {
        const deps = workspaceClosure(ws).filter((dep) => dep !== ws);
        for (const dep of deps)
          expect(order.indexOf(dep), `${dep} is built before ${ws}`).toBeLessThan(
            order.indexOf(ws),
          );
        for (const input of buildInputs(ws))
          expect(copies(stage, input), `the build stage copies ${input}`).toBe(true);
      }
      for (const file of ['package.json', 'package-lock.json'])
        expect(copies(stage, file)).toBe(true);
    });

    it('installs for its build only the workspaces it builds, each declaring the compiler and types its build runs', () => {
      const stage = build();
      const installs = instructions(stage, 'RUN')
        .flatMap(npmCommands)
        .filter((words) => words[1] === 'ci');
      expect(installs).toHaveLength(1);
      // Without -w, npm ci installs every dev dependency of the root too (the test tools, over 400 MiB).
      expect([...npmWorkspaces(installs[0] ?? [])].sort()).toEqual([...closure()].sort());
      const root = ROOT_PACKAGE.devDependencies ?? {};
      for (const ws of closure()) {
        const declared = packageJson(ws).devDependencies ?? {};
        // The same version as the root's, so the repository compiles with one TypeScript.
        for (const tool of ['typescript', '@types/node'])
          expect(declared[tool], `${ws} declares ${tool} as the root does`).toBe(root[tool]);
      }
    });

    it('runs npm ci and npm scripts only on workspaces and scripts that exist', () => {
      for (const stage of stages()) {
        for (const words of instructions(stage, 'RUN').flatMap(npmCommands)) {
          const [, command, script] = words;
          expect(
            ['ci', 'run', 'cache'],
            `npm ${command}: installs come from the lockfile (npm ci)`,
          ).toContain(command);
          const workspaces = npmWorkspaces(words);
          for (const ws of workspaces) expect(WORKSPACES, `-w ${ws}`).toContain(ws);
          if (command === 'run') {
            for (const dir of workspaces.length > 0 ? workspaces : ['.']) {
              expect(
                packageJson(dir).scripts?.[script ?? ''],
                `${dir}/package.json has a "${script}" script`,
              ).toBeDefined();
            }
          }
        }
      }
    });

    it('installs only production dependencies of the app and its workspaces, next to their built dist folders', () => {
      const stage = runtime();
      const installs = instructions(stage, 'RUN')
        .flatMap(npmCommands)
        .filter((words) => words[1] === 'ci');
      expect(installs).toHaveLength(1);
      expect(installs[0]).toContain('--omit=dev');
      expect(npmWorkspaces(installs[0] ?? [])).toEqual([app.workspace]);
      // From the context: the lockfile and the manifests of exactly these workspaces (no other app,
      // no local-kafka), nothing else.
      const manifests = [
        'package.json',
        'package-lock.json',
        ...closure().map((ws) => posix.join(ws, 'package.json')),
      ];
      expect([...contextCopies(stage)].sort()).toEqual(manifests.sort());
      // From the build stage: each workspace's compiled output.
      const built = instructions(stage, 'COPY')
        .map(parseCopy)
        .filter((c) => c.from !== undefined);
      expect(new Set(built.map((c) => c.from))).toEqual(new Set([build().name]));
      const fromBuild = built.flatMap((c) => c.sources);
      const outputs = closure().map((ws) =>
        posix.join(
          workdir(build()),
          ws,
          tsconfigBuild(ws).compilerOptions?.outDir ?? 'missing-outDir',
        ),
      );
      expect([...fromBuild].sort()).toEqual(outputs.sort());
    });

    it('runs as a non-root user, exposes the app port, and starts the app as its start script does', () => {
      const stage = runtime();
      const user = instructions(stage, 'USER').at(-1);
      expect(user, 'a USER in the runtime stage').toBeDefined();
      expect(user?.split(':')[0]).not.toMatch(/^(root|0)$/);
      expect(
        instructions(stage, 'EXPOSE')
          .flatMap((e) => e.split(/\s+/))
          .map((p) => p.replace(/\/tcp$/, '')),
      ).toEqual([String(DEFAULT_PORT)]);
      const env = Object.assign({}, ...instructions(stage, 'ENV').map(parseEnv)) as Record<
        string,
        string
      >;
      expect(env.PORT).toBe(String(DEFAULT_PORT));
      expect(env.NODE_ENV).toBe('production');

      const cmd = parseExecForm(instructions(stage, 'CMD').at(-1) ?? 'null');
      const start = packageJson(app.workspace).scripts?.start?.split(/\s+/) ?? [];
      expect(start[0]).toBe('node');
      expect(cmd).toEqual(['node', posix.join(app.workspace, start[1] ?? '')]);
      expect(start[1]).toBe(packageJson(app.workspace).main);
      // The started file is the build output of a source file that exists.
      const { rootDir = '', outDir = '' } = tsconfigBuild(app.workspace).compilerOptions ?? {};
      const source = (start[1] ?? '')
        .replace(new RegExp(`^${outDir}/`), `${rootDir}/`)
        .replace(/\.js$/, '.ts');
      expect(
        existsSync(join(REPO, app.workspace, source)),
        `${app.workspace}/${source} exists`,
      ).toBe(true);
    });

    it('sets only environment variables the app reads', () => {
      for (const stage of stages()) {
        const names = instructions(stage, 'ENV').flatMap((args) => Object.keys(parseEnv(args)));
        expect(names.filter((name) => !envReadBy(app).has(name))).toEqual([]);
      }
    });
  },
);

describe('the two Dockerfiles', () => {
  it('differ only in the app they build, so a fix to one cannot miss the other', () => {
    // The first line says what the image does; every other line is the same recipe.
    const recipe = (app: string): string[] =>
      read(`apps/${app}/Dockerfile`).replaceAll(app, '<app>').split('\n').slice(1);
    expect(recipe('consumer')).toEqual(recipe('producer'));
  });
});
