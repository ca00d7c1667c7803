import { Router, static as serveStatic } from 'express';
import { fileURLToPath } from 'node:url';

/** The live page's files (no build step: plain HTML and JavaScript). */
const PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url));

/** The page's files, as their URLs. */
const PAGE_PATHS = ['/', '/index.html', '/page.js'];

/** What the page is configured with (PRODUCER_URL). */
export interface PageConfig {
  /** Where the form posts; empty means this host on the producer's NodePort (30776). */
  readonly producerUrl: string;
}

/** What the page needs to know; served as `/config.json`. */
export interface PageConfigDocument extends PageConfig {
  /**
   * Whether the stream needs an access token (the consumer's access tokens are on): the page
   * then asks for one, reads the stream with fetch, and sends the token with its posts too.
   */
  readonly auth: boolean;
}

/**
 * `GET /`: the page that shows the stream live and posts to the producer; `access.auth` says
 * whether the stream is guarded by access tokens (see PageConfigDocument).
 */
export function pageRoute(config: PageConfig, access: { readonly auth: boolean }): Router {
  const router = Router();
  const document: PageConfigDocument = { producerUrl: config.producerUrl, auth: access.auth };
  router.get('/config.json', (_req, res) => {
    res.json(document);
  });
  // Browsers ask for it on every visit; a 404 would be logged each time. No icon: 204.
  router.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  // As routes, not a catch-all middleware: /metrics counts the page under its own path.
  const page = serveStatic(PAGE_DIR, { index: 'index.html', maxAge: 0 });
  for (const path of PAGE_PATHS) router.get(path, page);
  return router;
}
