import { Router } from 'express';

/** Whether the app can do its job now, and if not, why (a reason safe to show anyone). */
export interface Readiness {
  readonly ready: boolean;
  readonly reason?: string;
}

/** Paths the probes in the manifests point at. */
export const HEALTH_PATHS = {
  liveness: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
} as const;

/** `/healthz` answers while the process serves HTTP; `/readyz` answers 503 with a reason until Kafka is usable. */
export function healthRoutes(readiness: () => Readiness): Router {
  const router = Router();
  router.get(HEALTH_PATHS.liveness, (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get(HEALTH_PATHS.readiness, (_req, res) => {
    const state = readiness();
    res
      .status(state.ready ? 200 : 503)
      .json(
        state.ready
          ? { status: 'ready' }
          : { status: 'not ready', reason: state.reason ?? 'starting' },
      );
  });
  return router;
}
