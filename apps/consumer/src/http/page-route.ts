import { Router, static as serveStatic } from 'express';
import { fileURLToPath } from 'node:url';

/** The live page's files (no build step: plain HTML and JavaScript). */
const PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url));

/** The page's files, as their URLs. */
const PAGE_PATHS = ['/', '/index.html', '/page.js'];

/** What the page needs to know; served as `/config.json`. */
export interface PageConfig {
  /** Where the form posts; empty means this host on the producer's NodePort (30776). */
  readonly producerUrl: string;
}

/** `GET /`: the page that shows the stream live and posts to the producer. */
export function pageRoute(config: PageConfig): Router {
  const router = Router();
  router.get('/config.json', (_req, res) => {
    res.json(config);
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
