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
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Label children by their values: prom-client hashes a label object on every call otherwise.
  const counters = new Map<string, ReturnType<typeof requests.labels>>();
  const timers = new Map<string, ReturnType<typeof duration.labels>>();
  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // The matched route pattern, never the raw URL: unbounded label values would exhaust memory.
      const route = typeof req.route?.path === 'string' ? req.route.path : 'unmatched';
      const status = res.statusCode;
      const routeKey = `${req.method} ${route}`;
      const key = `${routeKey} ${status}`;
      let counter = counters.get(key);
      if (!counter) counters.set(key, (counter = requests.labels({ method: req.method, route, status: String(status) })));
      counter.inc();
      let timer = timers.get(routeKey);
      if (!timer) timers.set(routeKey, (timer = duration.labels({ method: req.method, route })));
      timer.observe(Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
  const router = createRouter();
  router.get(HEALTH_PATHS.metrics, async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return { registry, middleware, router };
}
