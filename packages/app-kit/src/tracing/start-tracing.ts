import type { RequestListener } from 'node:http';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import { diagToPino } from './diag-to-pino.js';
import { type HttpServerSpanOptions, traceHttpRequests } from './http-server-spans.js';
import { tracingRequested } from './tracing-requested.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface TracingOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` names one. */
  readonly serviceName: string;
  readonly logger: Logger;
  /**
   * HTTP server spans (see http-server-spans.ts): `routes` are paths named as such
   * (`http.route`, span `POST /messages`); `ignore` are paths never traced (probes, scrapes).
   * Absent: no HTTP spans.
   */
  readonly http?: HttpServerSpanOptions;
}

/** The running SDK. */
export interface Tracing {
  /** Exports the spans still buffered and stops (call last at shutdown). */
  shutdown(): Promise<void>;
  /** With `http`: wraps the server's request listener so each request gets its server span. */
  readonly traceRequests?: (listener: RequestListener, scheme: 'http' | 'https') => RequestListener;
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
  const [{ NodeSDK }, { defaultResource, resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/resources'),
  ]);
  // OTEL_LOG_LEVEL set: the SDK prints its own diagnostics to the console, as documented.
  if (env.OTEL_LOG_LEVEL === undefined)
    diag.setLogger(diagToPino(options.logger), DiagLogLevel.WARN);

  const sdk = new NodeSDK({
    // The detected resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) is merged over this one.
    resource: defaultResource().merge(
      resourceFromAttributes({ 'service.name': options.serviceName }),
    ),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  options.logger.info(describeExport(env), 'tracing on (OpenTelemetry)');
  const { http } = options;
  return {
    shutdown: () => sdk.shutdown(),
    ...(http
      ? { traceRequests: (listener, scheme) => traceHttpRequests(listener, { ...http, scheme }) }
      : {}),
  };
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
