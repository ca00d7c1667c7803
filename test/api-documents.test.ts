import { Parser } from '@asyncapi/parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { consumerAsyncApi } from '../apps/consumer/src/http/consumer-asyncapi.js';
import { consumerOpenApi } from '../apps/consumer/src/http/consumer-openapi.js';
import { DEFAULT_RECORD_HEADER_LIMITS } from '../apps/producer/src/headers/record-header-limits.js';
import {
  CORS_REQUEST_HEADERS,
  KAFKA_HEADER_PREFIX,
} from '../apps/producer/src/headers/request-record-headers.js';
import { RECORD_HEADER_PARAMETERS } from '../apps/producer/src/http/messages-parameters.js';
import { producerOpenApi } from '../apps/producer/src/http/producer-openapi.js';
import { sharedTokenGuard } from '../apps/producer/src/http/bearer-token.js';
import { accessControl, type AccessPolicy } from '@demo-kafka/app-kit';

const SAMPLE_POLICY: AccessPolicy = {
  issuer: 'https://issuer.example',
  jwksUri: undefined,
  audience: 'demo-kafka',
  scope: 'messages:write',
  subjects: new Set(['system:serviceaccount:demo:writer']),
};

const openApis = {
  'producer (defaults)': producerOpenApi({
    maxMessageBytes: 1024 * 1024,
    recordHeaderLimits: DEFAULT_RECORD_HEADER_LIMITS,
    guard: undefined,
    clustered: true,
  }),
  'producer (token, one worker)': producerOpenApi({
    maxMessageBytes: 4096,
    recordHeaderLimits: DEFAULT_RECORD_HEADER_LIMITS,
    guard: sharedTokenGuard('a-token'),
    clustered: false,
  }),
  'producer (access tokens)': producerOpenApi({
    maxMessageBytes: 4096,
    recordHeaderLimits: DEFAULT_RECORD_HEADER_LIMITS,
    guard: accessControl(SAMPLE_POLICY, 'POST /messages'),
    clustered: false,
  }),
  consumer: consumerOpenApi(),
  'consumer (access tokens)': consumerOpenApi({
    guard: accessControl({ ...SAMPLE_POLICY, scope: 'messages:read' }, 'GET /messages'),
  }),
};

describe('the OpenAPI documents pass the OpenAPI 3.2 schema', () => {
  it.each(Object.entries(openApis))('%s', async (_name, document) => {
    const validator = new Validator();
    // A copy: the validator may annotate what it is given.
    const result = await validator.validate(
      structuredClone(document) as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.2');
  });
});

describe('the AsyncAPI document', () => {
  it.each([
    ['open', undefined],
    [
      'with access tokens',
      accessControl({ ...SAMPLE_POLICY, scope: 'messages:read' }, 'GET /messages'),
    ],
  ])(
    'parses with the official AsyncAPI parser, without errors or warnings (%s)',
    async (_name, guard) => {
      const { document, diagnostics } = await new Parser().parse(
        JSON.stringify(consumerAsyncApi({ topic: 'demo-default', guard })),
      );
      // Severity 0 is an error, 1 a warning; information (such as "3.1.0 exists") is not a fault of the document.
      expect(
        diagnostics
          .filter((d) => d.severity <= 1)
          .map((d) => `${d.code} ${d.path.join('.')}: ${d.message}`),
      ).toEqual([]);
      expect(document?.version()).toBe('3.0.0');
      expect(
        document
          ?.channels()
          .all()
          .map((c) => c.address()),
      ).toEqual(['demo-default', '/messages']);
      const stream = document
        ?.channels()
        .all()
        .find((c) => c.address() === '/messages');
      expect(
        stream
          ?.messages()
          .all()
          .map((m) => m.name()),
      ).toEqual(['record', 'jsonRecord', 'cloudEventRecord', 'gap']);
      const record = document
        ?.channels()
        .all()[0]
        ?.messages()
        .all()
        .find((m) => m.name() === 'record');
      const headers = Object.keys(record?.headers()?.properties() ?? {});
      for (const name of [
        'content-type',
        'ce_specversion',
        'ce_id',
        'ce_source',
        'ce_type',
        'traceparent',
        'tracestate',
      ])
        expect(headers).toContain(name);
    },
    60_000,
  ); // the parser loads and runs Spectral's rule set: seconds on a busy machine
});

describe('the documents and the routes name the same things', () => {
  it('a cross-origin page may send every record header the producer document lists, and CORS allows no other family', () => {
    const listed = RECORD_HEADER_PARAMETERS.map((p) => p.name.toLowerCase());
    const names = CORS_REQUEST_HEADERS.filter((h) => !h.endsWith('*'));
    const families = CORS_REQUEST_HEADERS.filter((h) => h.endsWith('*')).map((h) => h.slice(0, -1));
    const allowed = (name: string): boolean =>
      names.includes(name as (typeof names)[number]) || families.some((f) => name.startsWith(f));
    expect(listed.filter((name) => !allowed(name))).toEqual([]);
    // Each fixed name is a documented parameter; each family is the Kafka-Header-* pattern or holds documented ones (ce-*).
    expect(names.filter((name) => !listed.includes(name))).toEqual([]);
    expect(
      families.filter(
        (f) => f !== KAFKA_HEADER_PREFIX && !listed.some((name) => name.startsWith(f)),
      ),
    ).toEqual([]);
  });
});
