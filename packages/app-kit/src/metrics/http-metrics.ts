import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HEALTH_PATHS } from '../http/health-routes.js';

/** A Prometheus registry of the app's own (one per app instance, so tests can build several). */
export interface AppMetrics {
  readonly registry: Registry;
  /** Counts requests by route and status, and times them. */
  readonly middleware: RequestHandler;
  /** Serves `GET /metrics`. */
  readonly router: Router;
}

/** Creates the registry with process metrics and HTTP request metrics. */
export function createMetrics(options: { collectProcessMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: registry });
  // Counted in plain numbers per label set and added to the counter when it is scraped:
  // prom-client hashes the labels on every inc(), a measurable cost at thousands of requests a second.
  const tallies = new Map<
    string,
    { labels: { method: string; route: string; status: string }; pending: number }
  >();
  new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      for (const tally of tallies.values()) {
        if (tally.pending === 0) continue;
        this.inc(tally.labels, tally.pending);
        tally.pending = 0;
      }
    },
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const timers = new Map<string, ReturnType<typeof duration.labels>>();
  const middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    let counted = false;
    const count = (): void => {
      if (counted) return;
      counted = true;
      // The matched route pattern, never the raw URL: unbounded label values would exhaust memory.
      const route = typeof req.route?.path === 'string' ? req.route.path : 'unmatched';
      const status = res.statusCode;
      const routeKey = `${req.method} ${route}`;
      const key = `${routeKey} ${status}`;
      let tally = tallies.get(key);
      if (!tally) {
        tally = { labels: { method: req.method, route, status: String(status) }, pending: 0 };
        tallies.set(key, tally);
      }
      tally.pending += 1;
      let timer = timers.get(routeKey);
      if (!timer) {
        timer = duration.labels({ method: req.method, route });
        timers.set(routeKey, timer);
      }
      timer.observe((performance.now() - started) / 1000);
    };
    res.once('finish', count);
    // A stream the client leaves never finishes: it is counted when its connection closes.
    res.once('close', () => {
      if (res.headersSent) count();
    });
    next();
  };
  const router = createRouter();
  router.get(HEALTH_PATHS.metrics, async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return { registry, middleware, router };
}
