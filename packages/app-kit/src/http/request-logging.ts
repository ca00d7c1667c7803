import type { RequestHandler } from 'express';
import type { Level } from 'pino';
import type { Logger } from '../logger.js';
import { REFUSAL_STATUSES } from './refusal-log.js';
import { requestIds } from './request-id.js';

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/**
 * Query parameters whose values are credentials by their name. Our apps take a token only in
 * `Authorization`, but clients that cannot set headers (EventSource, some proxies and webhooks)
 * put one in the URL, and the URL is logged.
 */
const SECRET_PARAM =
  /token|secret|passw|pwd|auth|credential|signature|^sig$|api[-_]?key|session|jwt/i;

/** `url` as logged: the value of every parameter named like a credential is replaced. */
export function loggableUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const params = url
    .slice(query + 1)
    .split('&')
    .map((param) => {
      const eq = param.indexOf('=');
      const name = eq < 0 ? param : param.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the name as written.
      }
      return eq >= 0 && SECRET_PARAM.test(decoded) ? `${name}=[redacted]` : param;
    });
  return `${url.slice(0, query)}?${params.join('&')}`;
}

export interface RequestLoggingOptions {
  /**
   * Level of the line for a request answered below 400 (4xx lines are `info`, 5xx `error`).
   * `info` suits a few long-lived streams; an app that takes thousands of short requests a
   * second logs them at `debug`, where a line per request is what someone asked for.
   */
  readonly successLevel?: Level;
}

/**
 * Logs each request when it ends, with a request id (taken from `X-Request-Id` or made up)
 * that it echoes back. Nothing is built for a line the logger's level would drop.
 */
export function requestLogging(
  logger: Logger,
  options: RequestLoggingOptions = {},
): RequestHandler {
  const successLevel = options.successLevel ?? 'info';
  const assign = requestIds();
  return (req, res, next) => {
    const id = assign(req, res, logger);
    if (QUIET_PATHS.has(req.path)) {
      next();
      return;
    }
    const started = performance.now();
    res.on('finish', () => {
      const status = res.statusCode;
      // The problem handler logs those, once a minute per kind.
      if (REFUSAL_STATUSES.has(status)) return;
      // A client's mistake (4xx) is the client's to fix, and would flood the log at WARN.
      const level: Level = status >= 500 ? 'error' : status >= 400 ? 'info' : successLevel;
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          reqId: id,
          req: { method: req.method, url: loggableUrl(req.originalUrl) },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
        },
        'request completed',
      );
    });
    next();
  };
}
