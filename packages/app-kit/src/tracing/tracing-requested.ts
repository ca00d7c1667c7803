type Env = Readonly<Record<string, string | undefined>>;

/** The standard variables that ask for traces: an exporter, an OTLP endpoint, or a service name to export as. */
export const TRACING_SWITCHES = [
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_SERVICE_NAME',
] as const;

const set = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';

/**
 * Whether the OpenTelemetry environment asks this process for traces. Off unless one of
 * {@link TRACING_SWITCHES} is set; `OTEL_SDK_DISABLED=true` and `OTEL_TRACES_EXPORTER=none` turn
 * it off whatever else is set (as the SDK itself reads them). Off, the SDK is never loaded.
 */
export function tracingRequested(env: Env = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (exporters.length > 0) return exporters[0] !== 'none';
  return TRACING_SWITCHES.some((name) => set(env[name]));
}
