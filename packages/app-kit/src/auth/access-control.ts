import type { RequestHandler } from 'express';
import type { JsonObject } from '../api/openapi-parts.js';
import type { AccessPolicy } from './access-settings.js';
import { createAccessTokenVerifier } from './access-token-verifier.js';
import { issuerKeys } from './issuer-keys.js';
import { requireAccess } from './require-access.js';

/** What guards an operation: the middleware, and how the API documents describe it. */
export interface Guard {
  readonly handler: RequestHandler;
  /** The OpenAPI security scheme (components.securitySchemes.bearer). */
  readonly scheme: JsonObject;
  /** The scope a token needs, when a valid token can still be refused (403). */
  readonly scope?: string;
}

/** The guard of `operation` under `policy`: a verified access token (keys fetched on first use). */
export function accessControl(policy: AccessPolicy, operation: string): Guard {
  const verifier = createAccessTokenVerifier({
    keys: issuerKeys(policy),
    issuer: policy.issuer,
    audience: policy.audience,
  });
  const subjects = [...policy.subjects];
  return {
    handler: requireAccess(verifier, { operation, scope: policy.scope, subjects: policy.subjects }),
    scheme: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        `An access token (RFC 9068 JWT) from ${policy.issuer ?? policy.jwksUri}, for the audience ` +
        `${policy.audience}, with the scope ${policy.scope}` +
        (subjects.length > 0 ? `, or whose subject is one of ${subjects.join(', ')}.` : '.'),
    },
    scope: policy.scope,
  };
}
