import type { RequestHandler } from 'express';

/**
 * Lets browsers on `origins` (`*` for any) call this app: the consumer page posts to the
 * producer on another port, and dashboards read the stream from elsewhere.
 */
export function cors(origins: string, allowHeaders: readonly string[]): RequestHandler {
  const allowed = origins.split(',').map((o) => o.trim()).filter((o) => o !== '');
  const any = allowed.includes('*');
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && (any || allowed.includes(origin))) {
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      if (!any) res.vary('Origin');
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', allowHeaders.join(', '));
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
