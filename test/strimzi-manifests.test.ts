/**
 * k8s/strimzi and k8s/strimzi-kafkauser against Strimzi's resource shapes and against the config
 * package: the Secret the manifests hand the apps is one the apps read, with the credentials the
 * Kafka listener expects, inside the KafkaUser's ACLs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SOURCE_ENV, loadKafkaBinding } from '@demo-kafka/config';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderKustomization } from './support/kustomize.js';
import { checkWithStrimziModel, strimziModelClasspath } from './support/strimzi-model.js';
import { STRIMZI_VALIDATORS } from './support/strimzi-schemas.js';
import {
  isYamlMap,
  readYamlDocuments,
  yamlFilesUnder,
  type YamlMap,
} from './support/yaml-documents.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = join(REPO, 'packages/config/test/fixtures');
const DEPLOYMENTS = { producer: 'demo-kafka-producer', consumer: 'demo-kafka-consumer' } as const;

const get = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (v, key) =>
      Array.isArray(v) && typeof key === 'number'
        ? v[key]
        : isYamlMap(v)
          ? v[String(key)]
          : undefined,
    value,
  );
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function one(resources: YamlMap[], kind: string, name?: string): YamlMap {
  const found = resources.filter(
    (r) => r.kind === kind && (name === undefined || get(r, 'metadata', 'name') === name),
  );
  expect(found, `exactly one ${kind}${name ? ` ${name}` : ''}`).toHaveLength(1);
  return found[0] as YamlMap;
}

/** The container env of a Deployment as a map, and its pod volumes. */
function pod(resources: YamlMap[], deployment: string) {
  const spec = get(one(resources, 'Deployment', deployment), 'spec', 'template', 'spec');
  const container = get(spec, 'containers', 0);
  const env = new Map(
    list(get(container, 'env')).map((e) => [String(get(e, 'name')), String(get(e, 'value'))]),
  );
  const mount = list(get(container, 'volumeMounts')).find(
    (m) => get(m, 'mountPath') === env.get(SOURCE_ENV.bindingDir),
  );
  const volume = list(get(spec, 'volumes')).find((v) => get(v, 'name') === get(mount, 'name'));
  return { env, volume };
}

/** The rules that allow a resource type, as `patternType:name` strings. */
function aclsFor(user: YamlMap, type: string): string[] {
  return list(get(user, 'spec', 'authorization', 'acls'))
    .filter(
      (acl) =>
        get(acl, 'resource', 'type') === type &&
        list(get(acl, 'operations')).includes('All') &&
        (get(acl, 'type') ?? 'allow') === 'allow',
    )
    .map(
      (acl) =>
        `${String(get(acl, 'resource', 'patternType'))}:${String(get(acl, 'resource', 'name'))}`,
    );
}

const temp: string[] = [];
afterEach(() =>
  temp.splice(0).forEach((dir) => {
    rmSync(dir, { recursive: true, force: true });
  }),
);

describe('the Strimzi schema checks', () => {
  const kafkaResources = renderKustomization(REPO, 'k8s/strimzi');
  const broken = (kind: string, change: (copy: YamlMap) => void): (() => void) => {
    const copy = structuredClone(one(kafkaResources, kind));
    change(copy);
    const type = `${String(copy.apiVersion)}/${kind}`;
    return () => STRIMZI_VALIDATORS[type]?.(copy);
  };

  it('reject what Strimzi would refuse', () => {
    expect(
      broken('KafkaUser', (u) => ((u.spec as YamlMap).authentication = { type: 'scram-sha-256' })),
    ).toThrow(/must be equal to one of the allowed values/);
    expect(
      broken(
        'KafkaUser',
        (u) =>
          ((get(u, 'spec', 'authorization', 'acls', 0) as YamlMap).operations = ['Everything']),
      ),
    ).toThrow(/operations\/0/);
    expect(broken('KafkaUser', (u) => delete (u.metadata as YamlMap).labels)).toThrow(
      /strimzi.io\/cluster|labels/,
    );
    expect(
      broken(
        'Kafka',
        (k) => ((get(k, 'spec', 'kafka', 'listeners', 0) as YamlMap).name = 'TLS_listener'),
      ),
    ).toThrow(/pattern/);
    expect(broken('Kafka', (k) => ((get(k, 'spec', 'kafka') as YamlMap).zookeper = {}))).toThrow(
      /zookeper/,
    );
    expect(broken('KafkaNodePool', (p) => ((p.spec as YamlMap).roles = ['leader']))).toThrow(
      /roles\/0/,
    );
    expect(broken('KafkaAccess', (a) => delete (get(a, 'spec', 'kafka') as YamlMap).name)).toThrow(
      /name/,
    );
  });
});

describe('k8s/strimzi: Kafka (KRaft, node pool), KafkaUser and KafkaAccess', () => {
  const resources = renderKustomization(REPO, 'k8s/strimzi');
  const kafka = one(resources, 'Kafka');
  const cluster = String(get(kafka, 'metadata', 'name'));
  const user = one(resources, 'KafkaUser');
  const access = one(resources, 'KafkaAccess');

  it('runs the cluster in KRaft mode on a node pool of three controllers-and-brokers', () => {
    expect(get(kafka, 'metadata', 'annotations')).toMatchObject({
      'strimzi.io/kraft': 'enabled',
      'strimzi.io/node-pools': 'enabled',
    });
    const pool = one(resources, 'KafkaNodePool');
    expect(get(pool, 'metadata', 'labels', 'strimzi.io/cluster')).toBe(cluster);
    expect(get(pool, 'spec', 'replicas')).toBe(3);
    expect([...list(get(pool, 'spec', 'roles'))].sort()).toEqual(['broker', 'controller']);
    expect(get(kafka, 'spec', 'kafka', 'config', 'min.insync.replicas')).toBe(2);
  });

  it('gives the user SCRAM-SHA-512 and prefix ACLs on demo- topics and groups, enforced by the cluster', () => {
    expect(get(user, 'metadata', 'labels', 'strimzi.io/cluster')).toBe(cluster);
    expect(get(user, 'spec', 'authentication', 'type')).toBe('scram-sha-512');
    expect(aclsFor(user, 'topic')).toEqual(['prefix:demo-']);
    expect(aclsFor(user, 'group')).toEqual(['prefix:demo-']);
    expect(get(kafka, 'spec', 'kafka', 'authorization', 'type')).toBe('simple');
  });

  it('binds that user on a TLS listener that expects SCRAM-SHA-512, into the Secret both apps mount', () => {
    expect(get(access, 'spec', 'kafka', 'name')).toBe(cluster);
    expect(get(access, 'spec', 'user')).toMatchObject({
      kind: 'KafkaUser',
      apiGroup: 'kafka.strimzi.io',
      name: get(user, 'metadata', 'name'),
    });
    const listener = list(get(kafka, 'spec', 'kafka', 'listeners')).find(
      (l) => get(l, 'name') === get(access, 'spec', 'kafka', 'listener'),
    );
    expect(get(listener, 'tls')).toBe(true);
    expect(get(listener, 'authentication', 'type')).toBe(
      get(user, 'spec', 'authentication', 'type'),
    );
    // The Access Operator names the Secret after the KafkaAccess (or spec.secretName).
    const secretName = get(access, 'spec', 'secretName') ?? get(access, 'metadata', 'name');
    for (const deployment of Object.values(DEPLOYMENTS))
      expect(get(pod(resources, deployment).volume, 'secret', 'secretName')).toBe(secretName);
  });

  it('has the apps use a topic and group inside the ACLs, and the Secret it makes is one they read with that mechanism', () => {
    const dir = join(FIXTURES, 'strimzi-access-scram');
    for (const deployment of Object.values(DEPLOYMENTS)) {
      const { env } = pod(resources, deployment);
      const names = {
        topic: env.get('TOPIC') ?? 'default',
        groupId: env.get('GROUP_ID') ?? 'consumer',
        clientId: 'manifest-check',
      };
      const binding = loadKafkaBinding({ KAFKA_BINDING_DIR: dir }, names);
      expect(binding.shape).toBe('strimzi-access');
      expect(binding.topic.startsWith('demo-'), `${deployment} topic ${binding.topic}`).toBe(true);
      // Only the consumer joins a group.
      if (deployment === DEPLOYMENTS.consumer)
        expect(binding.groupId.startsWith('demo-'), `group ${binding.groupId}`).toBe(true);
      expect(binding.describe()).toContain('SASL scram-sha-512');
    }
  });
});

describe('k8s/strimzi-kafkauser: a KafkaUser Secret and the cluster CA projected into one directory', () => {
  const resources = renderKustomization(REPO, 'k8s/strimzi-kafkauser');
  const user = one(resources, 'KafkaUser');
  const cluster = String(get(user, 'metadata', 'labels', 'strimzi.io/cluster'));
  const configMap = one(resources, 'ConfigMap');
  const strimziVariant = renderKustomization(REPO, 'k8s/strimzi');

  it('is a TLS user of the cluster k8s/strimzi makes, allowed demo- topics and groups', () => {
    expect(get(one(strimziVariant, 'Kafka'), 'metadata', 'name')).toBe(cluster);
    expect(get(user, 'spec', 'authentication', 'type')).toBe('tls');
    expect(aclsFor(user, 'topic')).toEqual(['prefix:demo-']);
    expect(aclsFor(user, 'group')).toEqual(['prefix:demo-']);
  });

  it("points at the bootstrap Service of the cluster's mutual-TLS listener", () => {
    const [host, port] = String(get(configMap, 'data', 'bootstrap.servers')).split(':');
    expect(host).toBe(`${cluster}-kafka-bootstrap`);
    const listener = list(get(one(strimziVariant, 'Kafka'), 'spec', 'kafka', 'listeners')).find(
      (l) => get(l, 'port') === Number(port),
    );
    expect(get(listener, 'authentication', 'type')).toBe('tls');
  });

  it.each(Object.entries(DEPLOYMENTS))(
    'gives the %s a directory the apps read as a Strimzi KafkaUser binding with mutual TLS',
    (_app, deployment) => {
      const { env, volume } = pod(resources, deployment);
      expect(get(volume, 'secret')).toBeUndefined();
      const sources = list(get(volume, 'projected', 'sources'));
      // What the kubelet would write: each item's key, read from the Secret or ConfigMap it names.
      const content = (kind: string, name: string, key: string): string => {
        if (kind === 'configMap' && name === get(configMap, 'metadata', 'name'))
          return `${String(get(configMap, 'data', key))}`;
        if (kind === 'secret' && name === get(user, 'metadata', 'name'))
          return readFileSync(join(FIXTURES, 'strimzi-kafkauser-tls', key), 'utf8');
        if (kind === 'secret' && name === `${cluster}-cluster-ca-cert` && key === 'ca.crt')
          return readFileSync(join(FIXTURES, 'strimzi-kafkauser-tls', 'ca.crt'), 'utf8');
        throw new Error(
          `the projected volume names ${kind} ${name} key ${key}, which the Strimzi user does not have`,
        );
      };
      const dir = mkdtempSync(join(tmpdir(), 'projected-'));
      temp.push(dir);
      const paths: string[] = [];
      for (const source of sources) {
        const [kind] = Object.keys(source as YamlMap);
        const ref = get(source, String(kind));
        for (const item of list(get(ref, 'items'))) {
          paths.push(String(get(item, 'path')));
          writeFileSync(
            join(dir, String(get(item, 'path'))),
            content(String(kind), String(get(ref, 'name')), String(get(item, 'key'))),
          );
        }
      }
      expect(
        new Set(paths).size,
        'no file projected twice (the user Secret has its own ca.crt)',
      ).toBe(paths.length);
      const binding = loadKafkaBinding(
        { KAFKA_BINDING_DIR: dir },
        {
          topic: env.get('TOPIC') ?? 'default',
          groupId: env.get('GROUP_ID') ?? 'consumer',
          clientId: 'x',
        },
      );
      expect(binding.shape).toBe('strimzi-user');
      expect(binding.brokers).toEqual([get(configMap, 'data', 'bootstrap.servers')]);
      expect(binding.describe()).toContain('TLS (binding CA), client certificate CN=demo-user');
      expect(binding.topic.startsWith('demo-')).toBe(true);
      if (deployment === DEPLOYMENTS.consumer)
        expect(binding.groupId.startsWith('demo-')).toBe(true);
    },
  );
});

describe("the Strimzi resources against Strimzi's own API model (io.strimzi:api from Maven Central)", () => {
  // The model the CRDs are generated from: its enums, polymorphic types, required fields and known fields.
  let classpath = '';
  beforeAll(async () => {
    classpath = await strimziModelClasspath();
  }, 300_000);
  const strimziFiles = yamlFilesUnder(REPO, 'k8s').filter((file) =>
    readYamlDocuments(join(REPO, file), file).some((doc) =>
      String(doc.apiVersion).startsWith('kafka.strimzi.io/'),
    ),
  );

  it('accepts every one of them', () => {
    const verdicts = checkWithStrimziModel(
      classpath,
      strimziFiles.map((file) => join(REPO, file)),
    );
    expect(verdicts.filter((v) => !v.ok).map((v) => v.line)).toEqual([]);
    // Kafka, KafkaNodePool and the two KafkaUsers.
    expect(verdicts).toHaveLength(4);
  }, 60_000);

  it('refuses what Strimzi would refuse, saying why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strimzi-model-'));
    temp.push(dir);
    const user = readFileSync(join(REPO, 'k8s/strimzi/kafka-user.yaml'), 'utf8');
    const kafka = readFileSync(join(REPO, 'k8s/strimzi/kafka.yaml'), 'utf8');
    const broken: Record<string, [string, RegExp]> = {
      'scram-sha-256.yaml': [
        user.replace('type: scram-sha-512', 'type: scram-sha-256'),
        /known type ids = \[scram-sha-512, tls, tls-external\]/,
      ],
      'unknown-field.yaml': [
        user.replace('  authorization:', '  authorisation:'),
        /fields Strimzi does not define: \[authorisation\]/,
      ],
      'operation.yaml': [
        user.replace('- All', '- Everything'),
        /operations\[0\] = "Everything" is not a value Strimzi accepts/,
      ],
      'no-replicas.yaml': [
        kafka.replace(/^ {2}replicas: 3\n/m, ''),
        /\.spec\.replicas is required/,
      ],
      'old-api.yaml': [
        user.replace('kafka.strimzi.io/v1beta2', 'kafka.strimzi.io/v9'),
        /is not one this Strimzi serves/,
      ],
    };
    for (const [name, [text]] of Object.entries(broken)) writeFileSync(join(dir, name), text);
    const verdicts = checkWithStrimziModel(
      classpath,
      Object.keys(broken).map((name) => join(dir, name)),
    );
    for (const [name, [, why]] of Object.entries(broken)) {
      const refused = verdicts.filter((v) => !v.ok && v.line.includes(name));
      expect(refused.map((v) => v.line).join('\n'), name).toMatch(why);
    }
  }, 60_000);
});
