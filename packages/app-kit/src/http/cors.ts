import type { RequestHandler } from 'express';

/**
 * Lets browsers on `origins` (`*` for any) call this app: the consumer page posts to the
 * producer on another port, and dashboards read the stream from elsewhere. An entry of
 * `allowHeaders` that ends in `*` is a prefix (`Kafka-Header-*`): a family of headers that no
 * fixed list can name, allowed by echoing the members a preflight asks for.
 */
export function cors(origins: string, allowHeaders: readonly string[]): RequestHandler {
  const allowed = origins
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  const any = allowed.includes('*');
  const named = allowHeaders.filter((h) => !h.endsWith('*'));
  const prefixes = allowHeaders
    .filter((h) => h.endsWith('*'))
    .map((h) => h.slice(0, -1).toLowerCase());
  const fixedList = named.join(', ');
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && (any || allowed.includes(origin))) {
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      if (!any) res.vary('Origin');
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        const family =
          prefixes.length === 0
            ? []
            : requestedWithPrefix(req.headers['access-control-request-headers'], prefixes);
        res.setHeader(
          'Access-Control-Allow-Headers',
          family.length === 0 ? fixedList : [...named, ...family].join(', '),
        );
        // The answer then depends on what was asked: a cache must not give it to another preflight.
        if (family.length > 0) res.vary('Access-Control-Request-Headers');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/** The headers a preflight asks for that belong to an allowed family (a prefix and at least one more character). */
function requestedWithPrefix(requested: string | undefined, prefixes: readonly string[]): string[] {
  if (requested === undefined) return [];
  return requested
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(
      (h) =>
        /^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(h) &&
        prefixes.some((p) => h.length > p.length && h.startsWith(p)),
    );
}
