import { createServer, type RequestListener, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitTarget, traceHttpRequests } from '../src/tracing/http-server-spans.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
const contextManager = new AsyncLocalStorageContextManager();
let server: Server;
let base = '';

/** The trace context the app last ran in (a record's traceparent is written from it). */
let seenByApp: { traceId: string; traceFlags: number } | undefined;

/** The app under the spans: a child span in a later turn (as a Kafka write is), then the answer. */
const app: RequestListener = (req, res) => {
  setImmediate(() => {
    seenByApp = trace.getSpan(context.active())?.spanContext();
    tracer.startSpan('child').end();
    res.statusCode = req.url?.startsWith('/boom') ? 503 : req.url === '/missing' ? 404 : 200;
    res.end('ok');
  });
};

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  server = createServer(
    traceHttpRequests(app, { routes: ['/messages'], ignore: ['/healthz'], scheme: 'http' }, tracer),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  context.disable();
  propagation.disable();
});

/** The spans of one request, once `count` have ended (the server span ends as the response closes). */
async function spansOf(path: string, init: RequestInit = {}, count = 2) {
  exporter.reset();
  await (await fetch(`${base}${path}`, init)).text();
  for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const spans = exporter.getFinishedSpans();
  return {
    server: spans.find((s) => s.kind === SpanKind.SERVER),
    child: spans.find((s) => s.name === 'child'),
  };
}

describe('HTTP server spans', () => {
  it("continues the caller's traceparent, names the route and sets the stable HTTP attributes", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const { server, child } = await spansOf('/messages?key=k1&sig=secret', {
      method: 'POST',
      body: 'Hello',
      headers: {
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
        'user-agent': 'curl/8',
        'x-forwarded-for': '203.0.113.7, 10.0.0.1',
      },
    });
    expect(server?.name).toBe('POST /messages');
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(server?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/messages',
      'url.scheme': 'http',
      'url.path': '/messages',
      'url.query': 'key=k1&sig=REDACTED',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(base).port),
      'client.address': '203.0.113.7',
      'network.peer.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'user_agent.original': 'curl/8',
      'http.response.status_code': 200,
    });
    expect(server?.status.code).toBe(SpanStatusCode.UNSET);
    // What the app starts, even in a later turn, is the server span's child.
    expect(child?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
  });

  it('records nothing for a request its caller did not sample, yet runs the app in its trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { server, child } = await spansOf(
      '/messages',
      {
        method: 'POST',
        body: 'Hello',
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` },
      },
      // Waits (up to a second) for a span that should not come.
      1,
    );
    expect(server).toBeUndefined();
    expect(child).toBeUndefined();
    expect(seenByApp).toMatchObject({ traceId, traceFlags: 0 });
  });

  it('starts a trace without a traceparent; a 5xx is an error, a 4xx is not; another path has no route', async () => {
    const boom = await spansOf('/boom');
    expect(boom.server?.parentSpanContext).toBeUndefined();
    expect(boom.server?.name).toBe('GET');
    expect(boom.server?.attributes['http.route']).toBeUndefined();
    expect(boom.server?.attributes).toMatchObject({
      'http.response.status_code': 503,
      'error.type': '503',
    });
    expect(boom.server?.status.code).toBe(SpanStatusCode.ERROR);
    const missing = await spansOf('/missing');
    expect(missing.server?.status.code).toBe(SpanStatusCode.UNSET);
    expect(missing.server?.attributes['error.type']).toBeUndefined();
  });

  it('traces a request whose target the URL parser refuses instead of throwing', async () => {
    exporter.reset();
    const status = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(base).port), '127.0.0.1', () =>
        socket.write(
          'GET http://user:secret@a:99999/messages?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
        ),
      );
      socket.once('data', (data) => {
        resolve(String(data).split('\r\n')[0] ?? '');
        socket.destroy();
      });
      socket.once('error', reject);
    });
    expect(status).toBe('HTTP/1.1 200 OK');
    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
    expect(server?.attributes['url.path']).toBe('/messages');
    expect(server?.attributes['url.query']).toBe('x=1');
    expect(server?.name).toBe('GET /messages');
    expect(JSON.stringify(server?.attributes)).not.toContain('secret');
  });

  it('splits request targets: origin-form, absolute-form, and an authority with no path', () => {
    expect(splitTarget('/a/b?c=1')).toEqual({ path: '/a/b', search: 'c=1' });
    expect(splitTarget('http://u:p@h:1/a?q')).toEqual({ path: '/a', search: 'q' });
    expect(splitTarget('http://h?q=1')).toEqual({ path: '/', search: 'q=1' });
    expect(splitTarget('http://h')).toEqual({ path: '/', search: '' });
    expect(splitTarget('*')).toEqual({ path: '*', search: '' });
  });

  it('leaves ignored paths untraced', async () => {
    const { server, child } = await spansOf('/healthz', {}, 1);
    expect(server).toBeUndefined();
    // The app's own span has no server span to belong to.
    expect(child?.parentSpanContext).toBeUndefined();
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
