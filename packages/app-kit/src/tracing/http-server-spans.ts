import { errorMonitor } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/** Which requests get a server span, and which paths are routes (span `POST /messages`). */
export interface HttpServerSpanOptions {
  /** Paths named as such: `http.route` and the span's name. */
  readonly routes: readonly string[];
  /** Paths never traced (probes, scrapes). */
  readonly ignore: readonly string[];
}

/** The methods HTTP's semantic conventions name; any other is `_OTHER`. */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);
/** Query parameters whose values never become an attribute (signed URLs), as OpenTelemetry's instrumentation. */
const REDACTED_QUERY = ['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature'];

/**
 * Wraps a server's request listener so that every request not ignored is the child of the
 * context its `traceparent` carries, in an HTTP server span with the stable HTTP semantic
 * conventions (`http.request.method`, `url.scheme`, `url.path`, `url.query`, `server.address`,
 * `server.port`, `client.address`, `network.peer.address`, `network.peer.port`,
 * `network.protocol.version`, `user_agent.original`, `http.route`, `http.response.status_code`),
 * active while the listener and what it starts run, ended when the response closes.
 *
 * Written here rather than through `@opentelemetry/instrumentation-http`, which sets the same
 * attributes: its generic hooks (every request's and response's emitter bound to the context, a
 * duration metric, header capture) were most of its share of a traced POST's CPU.
 */
export function traceHttpRequests(
  listener: RequestListener,
  options: HttpServerSpanOptions & { readonly scheme: 'http' | 'https' },
  tracer: Tracer = trace.getTracer('@demo-kafka/app-kit'),
): RequestListener {
  const routes = new Set(options.routes);
  const ignore = new Set(options.ignore);
  return (req, res) => {
    const { path, search } = splitTarget(req.url ?? '/');
    if (ignore.has(path)) {
      listener(req, res);
      return;
    }
    const method = req.method ?? 'GET';
    const route = routes.has(path) ? path : undefined;
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      route === undefined ? method : `${method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: requestAttributes(req, path, search, options.scheme, route),
      },
      parent,
    );
    let ended = false;
    const end = (error?: Error): void => {
      if (ended) return;
      ended = true;
      if (error !== undefined) {
        span.setAttribute('error.type', error.name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.recordException(error);
      } else endWithStatus(span, res);
      span.end();
    };
    res.once('close', () => end());
    // Watched, not handled: an 'error' listener would change what an unhandled error does.
    res.once(errorMonitor, (error: Error) => end(error));
    context.with(trace.setSpan(parent, span), () => listener(req, res));
  };
}

/**
 * A request target's path and query, split by hand: a target `new URL` refuses
 * (`http://a:99999/`) must not throw in the listener. An absolute-form target
 * (`http://user:pass@host/p`) loses its scheme and authority, which may hold credentials.
 */
export function splitTarget(target: string): { path: string; search: string } {
  const authority = target.startsWith('/') ? -1 : target.indexOf('://');
  const pathStart = authority === -1 ? 0 : target.indexOf('/', authority + 3);
  const query = target.indexOf('?', Math.max(pathStart, 0));
  const end = query === -1 ? target.length : query;
  const path = pathStart === -1 || pathStart > end ? '/' : target.slice(pathStart, end);
  return { path, search: query === -1 ? '' : target.slice(query + 1) };
}

function endWithStatus(span: Span, res: ServerResponse): void {
  const status = res.statusCode;
  span.setAttribute('http.response.status_code', status);
  // A server's 4xx is the client's error, not the span's.
  if (!(status >= 100 && status < 500)) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

function requestAttributes(
  req: IncomingMessage,
  path: string,
  search: string,
  scheme: 'http' | 'https',
  route: string | undefined,
): Attributes {
  const method = req.method?.toUpperCase() ?? 'GET';
  const known = KNOWN_METHODS.has(method);
  const forwarded = forwardedOf(req);
  const host = parseHost(forwarded.host ?? req.headers.host);
  const attributes: Attributes = {
    'http.request.method': known ? method : '_OTHER',
    'url.scheme': scheme,
    'url.path': path,
    'network.peer.address': req.socket.remoteAddress,
    'network.peer.port': req.socket.remotePort,
    'network.protocol.version': req.httpVersion,
    'user_agent.original': req.headers['user-agent'],
    'client.address': forwarded.for ?? req.socket.remoteAddress,
  };
  if (!known) attributes['http.request.method_original'] = req.method;
  if (search !== '') attributes['url.query'] = redactedQuery(new URLSearchParams(search));
  if (host.address !== undefined) attributes['server.address'] = host.address;
  if (host.port !== undefined) attributes['server.port'] = host.port;
  if (route !== undefined) attributes['http.route'] = route;
  return attributes;
}

/** The query as an attribute: signed-URL parameters' values replaced by `REDACTED`. */
function redactedQuery(params: URLSearchParams): string {
  for (const name of REDACTED_QUERY) if (params.has(name)) params.set(name, 'REDACTED');
  return params.toString();
}

/**
 * The client and host a proxy says the request was for: the first element of `Forwarded`
 * (RFC 7239), else `X-Forwarded-For` and `X-Forwarded-Host`.
 */
function forwardedOf(req: IncomingMessage): { for?: string; host?: string } {
  const { forwarded } = req.headers;
  if (forwarded !== undefined) {
    const first = forwarded.split(',')[0] ?? '';
    const out: { for?: string; host?: string } = {};
    for (const pair of first.split(';')) {
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim().toLowerCase();
      const value = pair
        .slice(at + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (name === 'for') out.for = withoutPort(value);
      else if (name === 'host') out.host = value;
    }
    if (out.for !== undefined || out.host !== undefined) return out;
  }
  const forwardedFor = first(req.headers['x-forwarded-for'])?.split(',')[0]?.trim();
  const forwardedHost = first(req.headers['x-forwarded-host']);
  return {
    ...(forwardedFor ? { for: withoutPort(forwardedFor) } : {}),
    ...(forwardedHost ? { host: forwardedHost } : {}),
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** An address without its port: `[::1]:80` -> `::1`, `10.0.0.1:80` -> `10.0.0.1`. */
function withoutPort(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  return address.split(':').length === 2 ? (address.split(':')[0] as string) : address;
}

/** A Host header's name and port. */
function parseHost(host: string | undefined): { address?: string; port?: number } {
  if (host === undefined || host === '') return {};
  const close = host.startsWith('[') ? host.indexOf(']') : -1;
  const colon = host.indexOf(':', close + 1);
  if (colon === -1 || (close === -1 && host.indexOf(':', colon + 1) !== -1))
    return { address: close === -1 ? host : host.slice(1, close) };
  const port = Number(host.slice(colon + 1));
  return {
    address: close === -1 ? host.slice(0, colon) : host.slice(1, close),
    ...(Number.isInteger(port) ? { port } : {}),
  };
}
