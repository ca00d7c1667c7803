/**
 * Structural checks of the Strimzi custom resources in k8s/, as JSON schemas (ajv), for the
 * manifest test that knows every kind under k8s/.
 *
 * Strimzi's CRD YAML is not on the registries this project reaches: the `io.strimzi:api` jar on
 * Maven Central (0.51.0) carries the Java model the CRDs are generated from but no CRD files, and
 * Strimzi's `crd-generator` is not published there. The kafka.strimzi.io resources are therefore
 * also read into that Java model (test/strimzi-model, fetched by Maven like the Kafka jars),
 * which is the authoritative check; these schemas, transcribed from Strimzi's API reference
 * (v1beta2), are the quick one that needs no Java. The KafkaAccess schema is transcribed from the
 * Access Operator's generated CRD (access.strimzi.io/v1alpha1, 040-Crd-kafkaaccess.yaml), whose
 * model is not on Maven Central either: this is its only check.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { YamlMap } from './yaml-documents.js';

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string', minLength: 1 };
const obj = (
  properties: Record<string, Schema>,
  required: string[] = [],
  closed = true,
): Schema => ({
  type: 'object',
  properties,
  required,
  ...(closed ? { additionalProperties: false } : {}),
});
const open: Schema = { type: 'object' };
const enumOf = (...values: string[]): Schema => ({ type: 'string', enum: values });

const metadata = obj(
  {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
    namespace: str,
    labels: open,
    annotations: open,
  },
  ['name'],
);
const clusterLabel = obj(
  {
    metadata: obj(
      { labels: obj({ 'strimzi.io/cluster': str }, ['strimzi.io/cluster'], false) },
      ['labels'],
      false,
    ),
  },
  ['metadata'],
  false,
);
const resource = (apiVersion: string, kind: string, spec: Schema): Schema =>
  obj({ apiVersion: { const: apiVersion }, kind: { const: kind }, metadata, spec }, [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
  ]);

const listener = obj(
  {
    name: { type: 'string', pattern: '^[a-z0-9]{1,11}$' },
    port: { type: 'integer', minimum: 9092 },
    type: enumOf('internal', 'route', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip'),
    tls: { type: 'boolean' },
    authentication: obj(
      { type: enumOf('tls', 'scram-sha-512', 'oauth', 'custom') },
      ['type'],
      false,
    ),
    configuration: open,
    networkPolicyPeers: { type: 'array' },
  },
  ['name', 'port', 'type', 'tls'],
);

const kafka = resource(
  'kafka.strimzi.io/v1beta2',
  'Kafka',
  obj(
    {
      kafka: obj(
        {
          version: str,
          metadataVersion: str,
          image: str,
          config: open,
          rack: open,
          jvmOptions: open,
          jmxOptions: open,
          resources: open,
          metricsConfig: open,
          logging: open,
          template: open,
          tieredStorage: open,
          quotas: open,
          livenessProbe: open,
          readinessProbe: open,
          brokerRackInitImage: str,
          listeners: { type: 'array', minItems: 1, items: listener },
          authorization: obj({ type: enumOf('simple', 'keycloak', 'custom') }, ['type'], false),
        },
        ['listeners'],
      ),
      entityOperator: obj({
        topicOperator: open,
        userOperator: open,
        tlsSidecar: open,
        template: open,
      }),
      clusterCa: open,
      clientsCa: open,
      cruiseControl: open,
      kafkaExporter: open,
      maintenanceTimeWindows: { type: 'array' },
    },
    ['kafka'],
  ),
);

const storageVolume = obj(
  {
    id: { type: 'integer', minimum: 0 },
    type: enumOf('persistent-claim', 'ephemeral'),
    size: { type: 'string', pattern: '^[0-9]+([KMGTPE]i?)?$' },
    class: str,
    deleteClaim: { type: 'boolean' },
    kraftMetadata: enumOf('shared'),
    selector: open,
    overrides: { type: 'array' },
    sizeLimit: str,
  },
  ['type'],
);

const kafkaNodePool = resource(
  'kafka.strimzi.io/v1beta2',
  'KafkaNodePool',
  obj(
    {
      replicas: { type: 'integer', minimum: 0 },
      roles: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: enumOf('controller', 'broker'),
      },
      storage: {
        oneOf: [
          obj(
            {
              type: { const: 'jbod' },
              volumes: { type: 'array', minItems: 1, items: storageVolume },
            },
            ['type', 'volumes'],
          ),
          storageVolume,
        ],
      },
      resources: open,
      jvmOptions: open,
      template: open,
    },
    ['replicas', 'roles', 'storage'],
  ),
);

const aclRule = obj(
  {
    resource: obj(
      {
        type: enumOf('topic', 'group', 'cluster', 'transactionalId'),
        name: str,
        patternType: enumOf('literal', 'prefix'),
      },
      ['type'],
    ),
    operations: {
      type: 'array',
      minItems: 1,
      items: enumOf(
        'Read',
        'Write',
        'Create',
        'Delete',
        'Alter',
        'Describe',
        'ClusterAction',
        'AlterConfigs',
        'DescribeConfigs',
        'IdempotentWrite',
        'All',
      ),
    },
    host: str,
    type: enumOf('allow', 'deny'),
  },
  ['resource', 'operations'],
);

const kafkaUser = resource(
  'kafka.strimzi.io/v1beta2',
  'KafkaUser',
  obj(
    {
      authentication: obj(
        { type: enumOf('tls', 'tls-external', 'scram-sha-512'), password: open },
        ['type'],
      ),
      authorization: obj({ type: enumOf('simple'), acls: { type: 'array', items: aclRule } }, [
        'type',
        'acls',
      ]),
      quotas: open,
      template: open,
    },
    [],
  ),
);

const kafkaAccess = resource(
  'access.strimzi.io/v1alpha1',
  'KafkaAccess',
  obj(
    {
      kafka: obj({ name: str, namespace: str, listener: str }, ['name']),
      user: obj(
        {
          apiGroup: { const: 'kafka.strimzi.io' },
          kind: { const: 'KafkaUser' },
          name: str,
          namespace: str,
        },
        ['apiGroup', 'kind', 'name'],
      ),
      secretName: str,
      template: open,
    },
    ['kafka'],
  ),
);

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled: Record<string, ValidateFunction> = {
  'kafka.strimzi.io/v1beta2/Kafka': ajv.compile(kafka),
  'kafka.strimzi.io/v1beta2/KafkaNodePool': ajv.compile({ allOf: [kafkaNodePool, clusterLabel] }),
  'kafka.strimzi.io/v1beta2/KafkaUser': ajv.compile({ allOf: [kafkaUser, clusterLabel] }),
  'access.strimzi.io/v1alpha1/KafkaAccess': ajv.compile(kafkaAccess),
};

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    )
    .join('; ');
}

/** Validators by `apiVersion/kind`, each throwing with every schema error it finds. */
export const STRIMZI_VALIDATORS: Readonly<Record<string, (resource: YamlMap) => void>> =
  Object.fromEntries(
    Object.entries(compiled).map(([type, validate]) => [
      type,
      (r: YamlMap) => {
        if (!validate(r)) throw new Error(`${type}: ${describeErrors(validate.errors)}`);
      },
    ]),
  );
