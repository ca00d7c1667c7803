import type { RequestHandler } from 'express';
import { clientKeyOf } from './client-key.js';
import { HttpProblem } from './problem.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets untouched this long are full again, and dropped: the map holds only recent clients. */
const IDLE_MS = 60_000;

/**
 * At most `perSecond` requests a second per client (clientKeyOf), with a burst of one second's
 * worth (a token bucket); more get 429 with `Retry-After`. Zero: no limit.
 */
export function rateLimit(perSecond: number, what: string): RequestHandler {
  if (perSecond <= 0) return (_req, _res, next) => next();
  const buckets = new Map<string, Bucket>();
  let sweptAt = performance.now();
  return (req, res, next) => {
    const now = performance.now();
    if (now - sweptAt > IDLE_MS) {
      for (const [key, bucket] of buckets) if (now - bucket.at > IDLE_MS) buckets.delete(key);
      sweptAt = now;
    }
    const key = clientKeyOf(req, res);
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { tokens: perSecond, at: now };
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      next();
      return;
    }
    const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    next(
      new HttpProblem(
        429,
        'Too Many Requests',
        `at most ${perSecond} ${what} a second per client; try again in ${wait} s`,
        { 'Retry-After': String(wait) },
      ),
    );
  };
}
