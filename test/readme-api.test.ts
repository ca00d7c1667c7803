import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { consumerOpenApi } from '../apps/consumer/src/http/consumer-openapi.js';
import { DEFAULT_RECORD_HEADER_LIMITS } from '../apps/producer/src/headers/record-header-limits.js';
import { producerOpenApi } from '../apps/producer/src/http/producer-openapi.js';
import { producerSettingsSpec } from '../apps/producer/src/settings.js';
import { accessControl, type AccessPolicy } from '@demo-kafka/app-kit';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const readmes = { 'README.md': read('README.md'), 'README.ja.md': read('README.ja.md') };

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj =>
  typeof value === 'object' && value !== null ? (value as Obj) : {};
const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'];

const POLICY: AccessPolicy = {
  issuer: 'https://issuer.example',
  jwksUri: undefined,
  audience: 'demo-kafka',
  scope: 'messages:write',
  subjects: new Set(),
};
// With access tokens and several workers: every status an app can answer is in its document.
const documents = {
  producer: producerOpenApi({
    maxMessageBytes: 1024 * 1024,
    recordHeaderLimits: DEFAULT_RECORD_HEADER_LIMITS,
    guard: accessControl(POLICY, 'POST /messages'),
    rateLimited: true,
    idempotencyWindowMinutes: Number(producerSettingsSpec.IDEMPOTENCY_WINDOW.default),
    clustered: true,
  }),
  consumer: consumerOpenApi({
    guard: accessControl({ ...POLICY, scope: 'messages:read' }, 'GET /messages'),
  }),
};

/** The README's text under `heading` (a line that starts with it), up to the next heading. */
function section(readme: string, heading: string): string {
  const start = readme.split('\n').findIndex((line) => line.startsWith(heading));
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const lines = readme.split('\n').slice(start + 1);
  const end = lines.findIndex((line) => line.startsWith('#'));
  return lines.slice(0, end < 0 ? undefined : end).join('\n');
}

/** The cells of the rows of the table whose header row starts with `| <first> |`. */
function rows(text: string, first: string): string[][] {
  const lines = text.split('\n');
  const header = lines.findIndex((line) => line.startsWith(`| ${first} |`));
  expect(header, `a table headed "${first}"`).toBeGreaterThanOrEqual(0);
  const body: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    body.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return body;
}

/** Every `code` span of a cell. */
const spans = (cell: string | undefined): string[] =>
  [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');

const operation = (doc: Obj, path: string, method: string): Obj =>
  obj(obj(obj(doc.paths)[path])[method]);
const parameterNames = (op: Obj): string[] =>
  (Array.isArray(op.parameters) ? op.parameters : []).map((p) => String(obj(p).name));
/** The statuses a client meets: the document's, less the unforeseen 500, plus the 405 every path gives another method. */
const statusesOf = (op: Obj): string[] => [
  ...Object.keys(obj(op.responses)).filter((s) => s !== '500'),
  '405',
];

describe.each(Object.entries(readmes))(
  '%s names what the OpenAPI documents name',
  (_file, readme) => {
    it('POST /messages: the same parameters and statuses as the producer document', () => {
      const text = section(readme, '#### `POST /messages` (producer)');
      const post = operation(documents.producer, '/messages', 'post');
      const named = rows(text, 'Parameter').flatMap((row) => spans(row[0]));
      // Beyond the document's parameters: content negotiation, the security scheme, and the header
      // pattern OpenAPI cannot list (the operation's description gives it).
      expect(String(post.description)).toContain('Kafka-Header-<name>');
      expect(Object.keys(obj(obj(obj(documents.producer.components).securitySchemes)))).toEqual([
        'bearer',
      ]);
      expect([...named].sort()).toEqual(
        [...parameterNames(post), 'Accept', 'Authorization', 'Kafka-Header-<name>'].sort(),
      );
      const statuses = rows(text, 'Status').flatMap((row) => spans(row[0]));
      expect([...statuses].sort()).toEqual(statusesOf(post).sort());
    });

    it('GET /messages: the same parameters and statuses as the consumer document', () => {
      const text = section(readme, '#### `GET /messages` (consumer)');
      const get = operation(documents.consumer, '/messages', 'get');
      const named = rows(text, 'Parameter').flatMap((row) => spans(row[0]));
      expect([...named].sort()).toEqual(parameterNames(get).sort());
      const statuses = rows(text, 'Status').flatMap((row) => spans(row[0]));
      expect([...statuses].sort()).toEqual(statusesOf(get).sort());
    });

    it('the routes table lists the routes the documents have, each in the app that serves it', () => {
      const table = rows(section(readme, '### HTTP API'), 'Method').map(
        ([method = '', path = '', app = '']) => ({
          method: spans(method)[0] ?? '',
          path: spans(path)[0] ?? '',
          app,
        }),
      );
      for (const { method, path, app } of table) {
        const apps =
          app === 'both'
            ? (['producer', 'consumer'] as const)
            : ([app] as Array<keyof typeof documents>);
        for (const name of apps)
          expect(
            Object.keys(operation(documents[name], path, method.toLowerCase())),
            `${method} ${path} in the ${name} document`,
          ).not.toEqual([]);
      }
      // Every operation a user calls is in the table; the page's own files and HEAD are not.
      for (const [name, doc] of Object.entries(documents)) {
        for (const [path, item] of Object.entries(obj(doc.paths))) {
          for (const method of METHODS.filter((m) => m !== 'head' && obj(item)[m] !== undefined)) {
            if (obj(obj(item)[method]).tags?.toString() === 'page' && path !== '/') continue;
            const row = table.find((r) => r.path === path && r.method === method.toUpperCase());
            expect(
              row,
              `${method.toUpperCase()} ${path} (${name}) in the routes table`,
            ).toBeDefined();
            expect(['both', name], `${method.toUpperCase()} ${path}`).toContain(row?.app);
          }
        }
      }
    });
  },
);
