import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { REFUSAL_STATUSES, refusalLogOf } from './refusal-log.js';
import { loggableUrl } from './request-logging.js';

/**
 * An error a client can act on, sent as RFC 9457 `application/problem+json`. The detail is
 * written for the user and must never hold a secret or a stack trace.
 */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';

  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

/** The problem+json body of `problem` (RFC 9457 members; no `detail` when it has none). */
export function problemJson(problem: HttpProblem): string {
  return JSON.stringify({
    type: 'about:blank',
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
  });
}

/** Writes `problem` as the response. */
export function sendProblem(res: Response, problem: HttpProblem): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.status(problem.status).type('application/problem+json').send(problemJson(problem));
}

/** express errors (body parser and others) mapped to the problem a client should see. */
export function problemFor(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const status =
    typeof error === 'object' &&
    error !== null &&
    'status' in error &&
    typeof error.status === 'number'
      ? error.status
      : 500;
  const type =
    typeof error === 'object' && error !== null && 'type' in error ? String(error.type) : '';
  if (type === 'entity.too.large') {
    const limit =
      typeof error === 'object' &&
      error !== null &&
      'limit' in error &&
      typeof error.limit === 'number'
        ? ` of ${error.limit} bytes`
        : '';
    return new HttpProblem(
      413,
      'Payload Too Large',
      `the message is larger than the limit${limit}`,
    );
  }
  if (type === 'request.aborted')
    return new HttpProblem(400, 'Bad Request', 'the request body was cut off before it ended');
  if (type === 'encoding.unsupported')
    return new HttpProblem(
      415,
      'Unsupported Media Type',
      'the body uses a content encoding this server does not accept',
    );
  if (status >= 400 && status < 500)
    return new HttpProblem(status, 'Bad Request', 'the request could not be read');
  return new HttpProblem(500, 'Internal Server Error');
}

/**
 * The last middleware: every error becomes problem+json; unexpected ones are logged, not shown.
 * A refusal (401, 403, 429, or a 5xx the app answers on purpose: Kafka unreachable, too many
 * clients) is logged at most once a minute per kind (see RefusalLog). `logger` serves the routes mounted before request
 * logging (the consumer's stream), whose requests carry no logger of their own.
 */
export function problemHandler(logger?: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const problem = problemFor(error);
    const log = req.log ?? logger;
    if (log && error instanceof HttpProblem) {
      if (REFUSAL_STATUSES.has(problem.status) || problem.status >= 500)
        refusalLogOf(log).refused(`${problem.status} ${problem.title}`, {
          reqId: req.id,
          req: { method: req.method, url: loggableUrl(req.originalUrl) },
          detail: problem.detail,
        });
    } else if (log && problem.status >= 500)
      log.error({ err: error, reqId: req.id }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, problem);
  };
}

/** 404 for every path no route claimed. */
export function notFound(): (req: { path: string }, res: Response) => void {
  return (req, res) =>
    sendProblem(res, new HttpProblem(404, 'Not Found', `nothing is served at ${req.path}`));
}

/** 405 with `Allow` for a known path asked with another method. */
export function methodNotAllowed(
  allowed: readonly string[],
): (req: { method: string }, res: Response) => void {
  return (req, res) =>
    sendProblem(
      res,
      new HttpProblem(
        405,
        'Method Not Allowed',
        `${req.method} is not supported here; use ${allowed.join(' or ')}`,
        { Allow: allowed.join(', ') },
      ),
    );
}
