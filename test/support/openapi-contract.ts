import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parseSseItems } from './sse-items.js';

/** What was asked and answered, as the contract judges it. */
export interface Exchange {
  readonly method: string;
  /** Path and query, e.g. `/messages?key=a`. */
  readonly url: string;
  /** The request headers as sent (any case). */
  readonly requestHeaders: Readonly<
    Record<string, string | readonly string[] | number | undefined>
  >;
  readonly status: number;
  readonly responseHeaders: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The response body as text (empty when there is none). */
  readonly body: string;
}

type Doc = Record<string, unknown>;
type Obj = Record<string, unknown>;

const DOC_ID = 'https://contract.invalid/openapi.json';
const METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
  'query',
] as const;
/**
 * Response headers any answer may carry without the document naming them: HTTP's own, CORS
 * (set for any route when an Origin asks) and the static file server's caching headers.
 */
const GENERIC_HEADERS =
  /^(content-type|content-length|date|connection|keep-alive|transfer-encoding|vary|cache-control|etag|last-modified|accept-ranges|access-control-[\w-]+)$/;

// ajv-formats is CommonJS whose default export TypeScript sees one level down under NodeNext.
const addFormats = ((addFormatsModule as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const pointer = (...parts: Array<string | number>): string =>
  parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const mediaType = (value: string | undefined): string =>
  (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
const headerValue = (
  headers: Exchange['requestHeaders'] | Exchange['responseHeaders'],
  name: string,
): string | undefined => {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name.toLowerCase() || value === undefined) continue;
    return Array.isArray(value) ? value.join(', ') : String(value);
  }
  return undefined;
};

/** Whether `actual` (no parameters) is covered by the document's media type key (`*\/*`, `text/*`, exact). */
function mediaTypeMatches(key: string, actual: string): boolean {
  const [type, subtype] = mediaType(key).split('/');
  const [actualType, actualSubtype] = actual.split('/');
  return (type === '*' || type === actualType) && (subtype === '*' || subtype === actualSubtype);
}

/**
 * Judges requests and responses against an OpenAPI 3.2 document: a status, header, content type
 * or body the document does not allow is a failure, and so is a success answered to a request
 * the document does not allow. Schemas are checked with ajv (JSON Schema 2020-12, with formats).
 */
export class OpenApiContract {
  readonly #ajv: Ajv2020;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(readonly document: Doc) {
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.#ajv);
    // `contentSchema` is only an annotation in JSON Schema; the contract holds the data to it
    // (an SSE event's `data` that is JSON, for example).
    this.#ajv.removeKeyword('contentSchema');
    this.#ajv.addKeyword({
      keyword: 'contentSchema',
      schemaType: 'object',
      validate: (schema: Obj, data: unknown, parent?: Obj) => {
        if (
          typeof data !== 'string' ||
          mediaType(String(parent?.contentMediaType ?? '')) !== 'application/json'
        )
          return true;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          return false;
        }
        const target =
          typeof schema.$ref === 'string' && schema.$ref.startsWith('#')
            ? { $ref: `${DOC_ID}${schema.$ref}` }
            : schema;
        return this.#ajv.validate(target, parsed);
      },
    });
    this.#ajv.addSchema(document, DOC_ID);
  }

  /** Every way `exchange` departs from the document (empty: it conforms). */
  check(exchange: Exchange): string[] {
    const url = new URL(exchange.url, 'http://contract.invalid');
    const method = exchange.method.toLowerCase();
    const found = this.#pathItem(url.pathname);
    const where = `${exchange.method} ${url.pathname}`;
    if (!found) return this.#expectProblem(exchange, 404, `${where} is not in the document`);
    if (method === 'options' && headerValue(exchange.requestHeaders, 'origin') !== undefined)
      return []; // CORS preflight
    const operation = found.item[method];
    if (!isObj(operation)) {
      // A method the path does not have: 405 with the documented methods in Allow, or (where the
      // app has no handler for other methods) 404, as for any path not in the document.
      if (exchange.status !== 405)
        return this.#expectProblem(
          exchange,
          404,
          `${where}: the document has no ${exchange.method} here`,
        );
      const failures = this.#expectProblem(
        exchange,
        405,
        `${where}: the document has no ${exchange.method} here`,
      );
      const documented = METHODS.filter((m) => isObj(found.item[m])).map((m) => m.toUpperCase());
      const allow = (headerValue(exchange.responseHeaders, 'allow') ?? '')
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== '');
      if ([...allow].sort().join() !== [...documented].sort().join())
        failures.push(
          `${where}: Allow is "${allow.join(', ')}", the document has ${documented.join(', ')}`,
        );
      return failures;
    }
    const base = pointer('paths', found.path, method);
    const requestFailures = this.#checkRequest(exchange, url, found.item, operation);
    const failures = this.#checkResponse(exchange, operation, base, where);
    if (requestFailures.length > 0 && (exchange.status < 400 || exchange.status >= 500)) {
      failures.push(
        `${where}: the document does not allow this request (${requestFailures.join('; ')}), yet it was answered ${exchange.status}`,
      );
    }
    return failures;
  }

  /** Throws with every failure of `exchange`. */
  assert(exchange: Exchange): void {
    const failures = this.check(exchange);
    if (failures.length > 0)
      throw new Error(`the answer departs from the OpenAPI document:\n- ${failures.join('\n- ')}`);
  }

  #pathItem(pathname: string): { path: string; item: Obj } | undefined {
    const paths = isObj(this.document.paths) ? this.document.paths : {};
    for (const [path, item] of Object.entries(paths)) {
      const pattern = new RegExp(
        `^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
      );
      if (pattern.test(pathname) && isObj(item)) return { path, item };
    }
    return undefined;
  }

  #resolve(value: unknown): Obj | undefined {
    if (!isObj(value)) return undefined;
    if (typeof value.$ref !== 'string') return value;
    let target: unknown = this.document;
    for (const part of value.$ref.replace(/^#\//, '').split('/'))
      target = isObj(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    return this.#resolve(target);
  }

  #validate(schemaPointer: string, data: unknown): string | undefined {
    let validate = this.#validators.get(schemaPointer);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: `${DOC_ID}#/${schemaPointer}` });
      this.#validators.set(schemaPointer, validate);
    }
    if (validate(data)) return undefined;
    return this.#ajv.errorsText(validate.errors, { dataVar: 'value' });
  }

  #checkRequest(exchange: Exchange, url: URL, item: Obj, operation: Obj): string[] {
    const failures: string[] = [];
    const parameters = [
      ...(Array.isArray(item.parameters) ? item.parameters : []),
      ...(Array.isArray(operation.parameters) ? operation.parameters : []),
    ];
    for (const raw of parameters) {
      const parameter = this.#resolve(raw);
      if (!parameter || typeof parameter.name !== 'string') continue;
      const values =
        parameter.in === 'query'
          ? url.searchParams.getAll(parameter.name)
          : parameter.in === 'header'
            ? [headerValue(exchange.requestHeaders, parameter.name)].filter(
                (v): v is string => v !== undefined,
              )
            : [];
      if (values.length === 0) {
        if (parameter.required === true)
          failures.push(`${parameter.in} parameter ${parameter.name} is required`);
        continue;
      }
      const schema = isObj(parameter.schema) ? parameter.schema : {};
      if (values.length > 1 && schema.type !== 'array')
        failures.push(
          `${parameter.in} parameter ${parameter.name} is given ${values.length} times`,
        );
      for (const value of values) {
        const error = this.#ajv.validate({ ...schema, $id: undefined }, value)
          ? undefined
          : this.#ajv.errorsText(this.#ajv.errors, { dataVar: parameter.name });
        if (error) failures.push(`${parameter.in} parameter ${error}`);
      }
    }
    const body = this.#resolve(operation.requestBody);
    if (body && isObj(body.content)) {
      const type = mediaType(headerValue(exchange.requestHeaders, 'content-type'));
      if (type !== '' && !Object.keys(body.content).some((key) => mediaTypeMatches(key, type)))
        failures.push(
          `request content type ${type} is not one of ${Object.keys(body.content).join(', ')}`,
        );
    }
    if (
      Array.isArray(operation.security) &&
      operation.security.length > 0 &&
      !/^Bearer\s+\S/i.test(headerValue(exchange.requestHeaders, 'authorization') ?? '')
    ) {
      failures.push('the operation needs Authorization: Bearer <token>');
    }
    return failures;
  }

  #checkResponse(exchange: Exchange, operation: Obj, base: string, where: string): string[] {
    const responses = isObj(operation.responses) ? operation.responses : {};
    const status = String(exchange.status);
    const key = [status, `${status[0]}XX`, 'default'].find((k) => k in responses);
    if (key === undefined)
      return [
        `${where} answered ${status}, which the document does not list (it has ${Object.keys(responses).join(', ')})`,
      ];
    const response = this.#resolve(responses[key]);
    if (!response) return [`${where}: response ${key} cannot be resolved`];
    const failures: string[] = [];
    const documented = isObj(response.headers) ? response.headers : {};
    const documentedNames = new Set(Object.keys(documented).map((n) => n.toLowerCase()));
    for (const [name, raw] of Object.entries(documented)) {
      const header = this.#resolve(raw);
      const value = headerValue(exchange.responseHeaders, name);
      if (value === undefined) {
        if (header?.required === true)
          failures.push(`${where} ${status}: header ${name} is required`);
        continue;
      }
      const headerSchema = isObj(header?.schema) ? header.schema : {};
      if (!this.#ajv.validate(headerSchema, value))
        failures.push(
          `${where} ${status}: header ${name} "${value}": ${this.#ajv.errorsText(this.#ajv.errors)}`,
        );
    }
    for (const name of Object.keys(exchange.responseHeaders)) {
      const lower = name.toLowerCase();
      if (!GENERIC_HEADERS.test(lower) && !documentedNames.has(lower))
        failures.push(`${where} ${status}: header ${name} is not in the document`);
    }
    const content = isObj(response.content) ? response.content : undefined;
    const type = mediaType(headerValue(exchange.responseHeaders, 'content-type'));
    if (!content) {
      if (exchange.body !== '')
        failures.push(
          `${where} ${status}: the document gives no body, the answer has ${exchange.body.length} characters`,
        );
      return failures;
    }
    const mediaKey = Object.keys(content).find((k) => mediaTypeMatches(k, type));
    if (mediaKey === undefined)
      return [
        ...failures,
        `${where} ${status}: content type "${type}" is not one of ${Object.keys(content).join(', ')}`,
      ];
    const media = isObj(content[mediaKey]) ? (content[mediaKey] as Obj) : {};
    const mediaPointer = `${base}/${pointer('responses', key, 'content', mediaKey)}`;
    if (isObj(media.itemSchema) && mediaKey === 'text/event-stream') {
      parseSseItems(exchange.body).forEach((item, i) => {
        const error = this.#validate(`${mediaPointer}/itemSchema`, item);
        if (error)
          failures.push(`${where} ${status}: event ${i + 1} ${JSON.stringify(item)}: ${error}`);
      });
    } else if (isObj(media.schema)) {
      let data: unknown = exchange.body;
      if (/[/+]json$/.test(type)) {
        try {
          data = JSON.parse(exchange.body);
        } catch {
          return [...failures, `${where} ${status}: the body is not JSON`];
        }
      }
      const error = this.#validate(`${mediaPointer}/schema`, data);
      if (error) failures.push(`${where} ${status} ${type}: ${error}`);
    }
    return failures;
  }

  /** An answer to a request the document does not cover: only this status, as problem+json. */
  #expectProblem(exchange: Exchange, status: number, what: string): string[] {
    if (exchange.status !== status)
      return [`${what}, yet it was answered ${exchange.status} (expected ${status})`];
    if (
      mediaType(headerValue(exchange.responseHeaders, 'content-type')) !==
      'application/problem+json'
    )
      return [`${what}: the ${status} is not problem+json`];
    let body: unknown;
    try {
      body = JSON.parse(exchange.body);
    } catch {
      return [`${what}: the ${status} body is not JSON`];
    }
    const error = this.#validate('components/schemas/Problem', body);
    return error ? [`${what}: the ${status} body: ${error}`] : [];
  }
}
