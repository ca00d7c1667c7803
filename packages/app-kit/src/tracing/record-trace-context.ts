import { propagation, ROOT_CONTEXT, type Context, type TextMapGetter } from '@opentelemetry/api';

/** Record headers as both apps hold them: name -> value, or the values in order for a repeated name. */
export type TraceCarrierHeaders = Readonly<Record<string, string | readonly string[]>>;

/**
 * A copy of `headers` with the trace context of `context` in place of any it carried (W3C
 * `traceparent` and `tracestate` by default; whatever `OTEL_PROPAGATORS` names otherwise), last.
 * The input is never changed: one headers object may be shared by many records.
 */
export function withTraceContext(
  headers: TraceCarrierHeaders | undefined,
  context: Context,
): Record<string, string | readonly string[]> {
  const injected: Record<string, string> = {};
  propagation.inject(context, injected);
  const replaced = new Set(
    [...propagation.fields(), ...Object.keys(injected)].map((name) => name.toLowerCase()),
  );
  const copy: Record<string, string | readonly string[]> = Object.create(null) as Record<
    string,
    string | readonly string[]
  >;
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !replaced.has(name.toLowerCase())) copy[name] = value;
  }
  return Object.assign(copy, injected);
}

const headersGetter: TextMapGetter<TraceCarrierHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => {
    // Written in lower case by the producer and by OpenTelemetry's other SDKs; any case is read.
    const exact = headers[key];
    if (exact !== undefined) return exact as string | string[];
    for (const name in headers)
      if (name.toLowerCase() === key) return headers[name] as string | string[];
    return undefined;
  },
};

/** The trace context a record's headers carry (the root context when they carry none). */
export function traceContextOf(headers: TraceCarrierHeaders | undefined): Context {
  return headers === undefined
    ? ROOT_CONTEXT
    : propagation.extract(ROOT_CONTEXT, headers, headersGetter);
}
