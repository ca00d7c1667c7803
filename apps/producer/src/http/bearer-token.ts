import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpProblem, type Guard } from '@demo-kafka/app-kit';

/** The guard of PRODUCER_TOKEN: one shared secret, the simplest mode (access tokens are the other). */
export function sharedTokenGuard(token: string): Guard {
  return {
    handler: requireBearerToken(token),
    scheme: { type: 'http', scheme: 'bearer', description: 'The PRODUCER_TOKEN setting.' },
  };
}

/** Requires `Authorization: Bearer <token>`. */
function requireBearerToken(token: string): RequestHandler {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const expected = createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const matches = timingSafeEqual(createHash('sha256').update(given).digest(), expected);
    next(
      matches
        ? undefined
        : new HttpProblem(
            401,
            'Unauthorized',
            'POST /messages needs Authorization: Bearer <PRODUCER_TOKEN>',
            { 'WWW-Authenticate': 'Bearer' },
          ),
    );
  };
}
