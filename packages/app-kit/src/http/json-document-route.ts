import { Router } from 'express';

/**
 * `GET <path>`: a document built once at start-up (the API descriptions), serialized once and
 * sent as the same bytes to every caller, so serving it costs the request path nothing.
 */
export function jsonDocumentRoute(path: string, document: unknown): Router {
  const body = Buffer.from(JSON.stringify(document));
  const router = Router();
  router.get(path, (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
}
