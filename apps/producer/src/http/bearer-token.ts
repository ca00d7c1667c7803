import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpProblem } from '@demo-kafka/app-kit';

/** Requires `Authorization: Bearer <token>` when a token is configured; lets everything through otherwise. */
export function requireBearerToken(token: string): RequestHandler {
  if (token === '') return (_req, _res, next) => next();
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
