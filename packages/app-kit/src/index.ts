export { HEALTH_PATHS, healthRoutes, type Readiness } from './http/health-routes.js';
export { cors } from './http/cors.js';
export {
  HttpProblem,
  methodNotAllowed,
  notFound,
  problemFor,
  problemHandler,
  sendProblem,
} from './http/problem.js';
export { requestId } from './http/request-id.js';
export { clientKeyOf } from './http/client-key.js';
export { rateLimit } from './http/rate-limit.js';
export { answerClientErrors } from './http/client-errors.js';
export { requestLogging } from './http/request-logging.js';
export { exitOnStartupError } from './lifecycle/exit-on-config-error.js';
export {
  applyServerTimeouts,
  serve,
  type RunningServer,
  type ServeOptions,
  type ServerTimeouts,
} from './lifecycle/serve.js';
export { createLogger, type Logger } from './logger.js';
export {
  readTlsCredentials,
  tlsFilesOf,
  tlsSettingsSpec,
  type TlsCredentials,
  type TlsFiles,
} from './lifecycle/tls-settings.js';
export { createMetrics, type AppMetrics } from './metrics/http-metrics.js';
export {
  STREAM_POSITION_MAX_LENGTH,
  STREAM_POSITION_PATTERN,
  formatStreamPosition,
  parseStreamPosition,
  recordId,
  type StreamPosition,
} from './stream-position.js';
export { jsonDocumentRoute } from './http/json-document-route.js';
export {
  API_DOCUMENT_PATHS,
  COMMON_COMPONENTS,
  INTERNAL_ERROR,
  OPENAPI_VERSION,
  PROBLEM_SCHEMA,
  documentPath,
  healthPaths,
  loggedHeaders,
  problemResponse,
  type Json,
  type JsonObject,
} from './api/openapi-parts.js';
export { CLOUD_EVENT_SCHEMA, TRACEPARENT_PATTERN } from './api/cloudevent-schema.js';
export { ERROR_TYPE, KAFKA_SYSTEM, MESSAGING } from './tracing/messaging-attributes.js';
export { startTracing, type Tracing, type TracingOptions } from './tracing/start-tracing.js';
export { TRACING_SWITCHES, tracingRequested } from './tracing/tracing-requested.js';
export {
  traceContextOf,
  withTraceContext,
  type TraceCarrierHeaders,
} from './tracing/record-trace-context.js';
export {
  accessScopeSetting,
  accessSettingsSpec,
  type AccessPolicy,
  type AccessSettings,
} from './auth/access-settings.js';
export { accessControl, type Guard } from './auth/access-control.js';
export { accessOf, type Access } from './auth/access-of.js';
export { securityResponses, securitySchemes } from './api/security-parts.js';
export type { Principal } from './auth/principal.js';
