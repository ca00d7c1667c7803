import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

const REQUEST_ID = 'x-request-id';
const VALID_ID = /^[\w.:-]{1,128}$/;

declare module 'node:http' {
  interface IncomingMessage {
    /** The request's id (from `X-Request-Id`, or made up), as logged and echoed. */
    id?: string;
    /** The app's logger, for errors met while handling the request (tag lines with `id`). */
    log?: Logger;
  }
}

/** The response header that carries a request's id. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

// Unique per process: a random prefix and a counter are enough, and cost far less than a UUID each.
const prefix = randomBytes(6).toString('hex');
let sequence = 0;

/** A new request id, for a request that brings none (or none that is a plain token). */
export function newRequestId(): string {
  sequence += 1;
  return `${prefix}-${sequence.toString(36)}`;
}

/** Gives requests ids: the client's `X-Request-Id` when it is a plain token, else a new one. */
export function requestIds(): (
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
) => string {
  return (req, res, logger) => {
    if (req.id !== undefined) return req.id;
    const given = req.headers[REQUEST_ID];
    const id = typeof given === 'string' && VALID_ID.test(given) ? given : newRequestId();
    req.id = id;
    req.log = logger; // not a child logger per request: most requests never log
    res.setHeader(REQUEST_ID, id);
    return id;
  };
}

/**
 * Sets `req.id` and echoes it as `X-Request-Id`, without logging the request: for routes that
 * log in their own way (a stream, at its open and close) and are mounted before request logging.
 */
export function requestId(logger: Logger): RequestHandler {
  const assign = requestIds();
  return (req, res, next) => {
    assign(req, res, logger);
    next();
  };
}
