import type { RequestHandler } from 'express';
import { HttpProblem } from '../http/problem.js';
import { refusalLogOf } from '../http/refusal-log.js';
import type { AccessTokenVerifier } from './access-token-verifier.js';
import type { Principal } from './principal.js';
import { IssuerUnavailableError, TokenRejectedError } from './token-errors.js';

/** Who may do one operation: a token with `scope`, or one whose subject is listed. */
export interface AccessRule {
  /** As users write it, for the answers: `POST /messages`. */
  readonly operation: string;
  readonly scope: string;
  /** Subjects allowed without the scope (Kubernetes service-account tokens carry none). */
  readonly subjects: ReadonlySet<string>;
}

declare global {
  namespace Express {
    interface Locals {
      /** Set by requireAccess for a request it let through. */
      principal?: Principal;
    }
  }
}

/** RFC 6750's b64token after `Bearer`. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token of an `Authorization: Bearer` header, if that is what it holds. */
function bearerTokenOf(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
}

/** Whether `principal` may do what `rule` guards. */
function isAllowed(principal: Principal, rule: AccessRule): boolean {
  return principal.scopes.has(rule.scope) || rule.subjects.has(principal.subject);
}

/**
 * Lets a request through only with a bearer access token that verifies and allows `rule`, and
 * puts its principal in `res.locals.principal`; answers 401 (no token, or a bad one), 403 (a good
 * token without the scope) or 503 (the issuer's keys are out of reach), with RFC 6750's
 * `WWW-Authenticate`. Neither the token nor its claims appear in an answer or a log.
 */
export function requireAccess(verifier: AccessTokenVerifier, rule: AccessRule): RequestHandler {
  const challenge = `Bearer realm="demo-kafka", scope="${rule.scope}"`;
  return async (req, res, next) => {
    const token = bearerTokenOf(req.headers.authorization);
    if (token === undefined)
      throw new HttpProblem(
        401,
        'Unauthorized',
        `${rule.operation} needs Authorization: Bearer <access token>`,
        { 'WWW-Authenticate': challenge },
      );
    let principal: Principal;
    try {
      principal = await verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejectedError)
        throw new HttpProblem(401, 'Unauthorized', error.reason, {
          'WWW-Authenticate': `${challenge}, error="invalid_token", error_description="${error.reason}"`,
        });
      if (error instanceof IssuerUnavailableError) {
        // Each request would say it again while the issuer is down: once a minute, with a count.
        if (req.log) refusalLogOf(req.log).refused('cannot verify access tokens', { err: error });
        throw new HttpProblem(
          503,
          'Service Unavailable',
          'the access token cannot be verified right now (the issuer is out of reach); try again shortly',
          { 'Retry-After': '5' },
        );
      }
      throw error;
    }
    if (!isAllowed(principal, rule))
      throw new HttpProblem(403, 'Forbidden', `${rule.operation} needs the scope ${rule.scope}`, {
        'WWW-Authenticate': `${challenge}, error="insufficient_scope", error_description="the token lacks the scope ${rule.scope}"`,
      });
    res.locals.principal = principal;
    next();
  };
}
