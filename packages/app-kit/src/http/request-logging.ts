import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Level } from 'pino';
import type { Logger } from '../logger.js';

const REQUEST_ID = 'x-request-id';
const VALID_ID = /^[\w.:-]{1,128}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/**
 * Query parameters whose values are credentials by their name. Our apps take a token only in
 * `Authorization`, but clients that cannot set headers (EventSource, some proxies and webhooks)
 * put one in the URL, and the URL is logged.
 */
const SECRET_PARAM = /token|secret|passw|pwd|auth|credential|signature|^sig$|api[-_]?key|session|jwt/i;

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

declare module 'node:http' {
  interface IncomingMessage {
    /** The request's id (from `X-Request-Id`, or made up), as logged and echoed. */
    id?: string;
    /** The app's logger, for errors met while handling the request (tag lines with `id`). */
    log?: Logger;
  }
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
export function requestLogging(logger: Logger, options: RequestLoggingOptions = {}): RequestHandler {
  const successLevel = options.successLevel ?? 'info';
  // Unique per process: a random prefix and a counter are enough, and cost far less than a UUID each.
  const prefix = randomBytes(6).toString('hex');
  let sequence = 0;
  return (req, res, next) => {
    const given = req.headers[REQUEST_ID];
    const id = typeof given === 'string' && VALID_ID.test(given) ? given : `${prefix}-${(++sequence).toString(36)}`;
    req.id = id;
    req.log = logger; // not a child logger per request: most requests never log
    res.setHeader(REQUEST_ID, id);
    if (QUIET_PATHS.has(req.path)) {
      next();
      return;
    }
    const started = performance.now();
    res.on('finish', () => {
      const status = res.statusCode;
      // A client's mistake (4xx) is the client's to fix, and would flood the log at WARN.
      const level: Level = status >= 500 ? 'error' : status >= 400 ? 'info' : successLevel;
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        { reqId: id, req: { method: req.method, url: loggableUrl(req.originalUrl) }, res: { statusCode: status }, responseTime: Math.round(performance.now() - started) },
        'request completed',
      );
    });
    next();
  };
}
