import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { context, diag, DiagLogLevel, type Span } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import { diagToPino } from './diag-to-pino.js';
import { tracingRequested } from './tracing-requested.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface TracingOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` names one. */
  readonly serviceName: string;
  readonly logger: Logger;
  /**
   * HTTP server spans (the official node:http instrumentation): `routes` are paths named as such
   * (`http.route`, span `POST /messages`); `ignore` are paths never traced (probes, scrapes).
   * Absent: no HTTP spans.
   */
  readonly http?: { readonly routes: readonly string[]; readonly ignore: readonly string[] };
}

/** The running SDK. */
export interface Tracing {
  /** Exports the spans still buffered and stops (call last at shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for traces when the standard variables ask for it (see
 * {@link tracingRequested}); otherwise loads nothing and resolves to undefined. The SDK reads the
 * rest of the `OTEL_*` variables itself (exporter, protocol, endpoint, headers, sampler,
 * propagators, resource). Only traces: the apps' metrics are Prometheus' and their logs pino's.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  // The SDK reads process.env itself, so the decision does too.
  const env = process.env;
  if (!tracingRequested(env)) return undefined;
  // Loaded only now: a process without tracing never pays for the SDK.
  const [
    { NodeSDK },
    { HttpInstrumentation },
    { defaultResource, resourceFromAttributes },
    { getRPCMetadata, RPCType },
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  // OTEL_LOG_LEVEL set: the SDK prints its own diagnostics to the console, as documented.
  if (env.OTEL_LOG_LEVEL === undefined)
    diag.setLogger(diagToPino(options.logger), DiagLogLevel.WARN);

  const instrumentations = [];
  if (options.http) {
    const routes = new Set(options.http.routes);
    const ignore = new Set(options.http.ignore);
    instrumentations.push(
      new HttpInstrumentation({
        // The apps call nothing over HTTP; the exporter's own requests are never traced anyway.
        disableOutgoingRequestInstrumentation: true,
        ignoreIncomingRequestHook: (request) => ignore.has(pathOf(request.url)),
        requestHook: (_span: Span, request) => {
          const path = pathOf((request as IncomingMessage).url);
          // Known paths only: a span name per unknown URL would be unbounded.
          const metadata = getRPCMetadata(context.active());
          if (routes.has(path) && metadata?.type === RPCType.HTTP) metadata.route = path;
        },
      }),
    );
  }
  const sdk = new NodeSDK({
    // The detected resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) is merged over this one.
    resource: defaultResource().merge(
      resourceFromAttributes({ 'service.name': options.serviceName }),
    ),
    instrumentations,
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // node:http was imported before this ran (ESM imports come first); requiring it once more is
  // what lets the instrumentation patch it (its server prototype, shared with the ESM import).
  if (options.http) createRequire(import.meta.url)('node:http');
  options.logger.info(describeExport(env), 'tracing on (OpenTelemetry)');
  return { shutdown: () => sdk.shutdown() };
}

function pathOf(url: string | undefined): string {
  const end = url?.indexOf('?') ?? -1;
  return (end === -1 ? url : url?.slice(0, end)) ?? '/';
}

/** Where spans go, for the start-up line: never headers (they may hold an API key), never a URL's credentials. */
function describeExport(env: Env): Record<string, string> {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  let origin: string | undefined;
  try {
    origin = endpoint ? new URL(endpoint).origin : undefined;
  } catch {
    origin = 'unparsable';
  }
  return {
    exporters: env.OTEL_TRACES_EXPORTER || 'otlp',
    ...(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL
      ? {
          protocol: (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ||
            env.OTEL_EXPORTER_OTLP_PROTOCOL) as string,
        }
      : {}),
    ...(origin ? { endpoint: origin } : {}),
  };
}
