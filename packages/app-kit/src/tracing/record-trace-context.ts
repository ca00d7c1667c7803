import { propagation, ROOT_CONTEXT, type Context, type TextMapGetter } from '@opentelemetry/api';

/** Record headers as ordered name/value pairs (a name may repeat). */
export type HeaderPairs = ReadonlyArray<readonly [string, string]>;

/**
 * `headers` with the trace context of `context` in place of any it carried (W3C `traceparent`
 * and `tracestate` by default; whatever `OTEL_PROPAGATORS` names otherwise), appended last.
 */
export function withTraceContext(headers: HeaderPairs, context: Context): Array<readonly [string, string]> {
  const injected: Record<string, string> = {};
  propagation.inject(context, injected);
  const replaced = new Set([...propagation.fields(), ...Object.keys(injected)].map((name) => name.toLowerCase()));
  return [...headers.filter(([name]) => !replaced.has(name.toLowerCase())), ...Object.entries(injected)];
}

const pairsGetter: TextMapGetter<HeaderPairs> = {
  keys: (headers) => headers.map(([name]) => name),
  // The first value of a repeated header, as an HTTP server reads a repeated traceparent.
  get: (headers, key) => headers.find(([name]) => name.toLowerCase() === key)?.[1],
};

/** The trace context a record's headers carry (the root context when they carry none). */
export function traceContextOf(headers: HeaderPairs): Context {
  return propagation.extract(ROOT_CONTEXT, headers, pairsGetter);
}
