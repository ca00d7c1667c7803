import type { Guard } from '../auth/access-control.js';
import { loggedHeaders, problemResponse, type JsonObject } from './openapi-parts.js';

const CHALLENGE = {
  description: 'RFC 6750: `Bearer realm=..., scope=...`, with `error` when a token was given.',
  schema: { type: 'string', pattern: '^Bearer' },
};

/** The 401 (and, for scoped tokens, 403) answers of an operation `guard` protects. */
export function securityResponses(guard: Pick<Guard, 'scope'>): JsonObject {
  const refused = (description: string): JsonObject => ({
    ...problemResponse(description),
    headers: { ...loggedHeaders(), 'WWW-Authenticate': CHALLENGE },
  });
  return {
    401: refused(
      'No `Authorization: Bearer <token>`, or a token that is not accepted (`invalid_token`).',
    ),
    ...(guard.scope
      ? { 403: refused(`A valid token without the scope ${guard.scope} (\`insufficient_scope\`).`) }
      : {}),
  };
}

/** `components.securitySchemes` for `guard`. */
export function securitySchemes(guard: Pick<Guard, 'scheme'>): JsonObject {
  return { securitySchemes: { bearer: guard.scheme } };
}
