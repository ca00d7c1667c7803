import { HttpProblem, methodNotAllowed } from '@demo-kafka/app-kit';
import { Router } from 'express';
import type { ConsumerMetrics } from '../consumer-metrics.js';
import type { StreamHub } from '../stream/stream-hub.js';

/** Where users read: `curl <host>:31876/messages`. */
export const STREAM_PATH = '/messages';

/**
 * `GET /messages`: the topic as Server-Sent Events, replay first, then live; `?key=` keeps only
 * the records with that key (as the producer's `?key=` writes them).
 */
export function messagesStreamRoute(hub: StreamHub, metrics: ConsumerMetrics): Router {
  const router = Router();
  // express would run the GET handler for HEAD too, opening a stream nobody can read.
  router.head(STREAM_PATH, (_req, res) => {
    res.status(200).type('text/event-stream').end();
  });
  router.get(STREAM_PATH, async (req, res) => {
    if (!hub.hasRoom()) {
      metrics.rejectedClients.inc();
      throw new HttpProblem(503, 'Service Unavailable', 'too many clients are connected; try again shortly', { 'Retry-After': '5' });
    }
    const since = sinceOf(req.query.since);
    const key = keyOf(req.query.key);
    const opened = performance.now();
    res.once('close', () => req.log?.info({ reqId: req.id, seconds: Math.round(performance.now() - opened) / 1000 }, 'stream closed'));
    req.log?.info({ reqId: req.id, ...(key !== undefined ? { key } : {}), resume: req.headers['last-event-id'] !== undefined || req.query.lastEventId !== undefined }, 'stream opened');
    await hub.connect(req, res, { ...(since !== undefined ? { since } : {}), ...(key !== undefined ? { key } : {}) });
  });
  router.all(STREAM_PATH, methodNotAllowed(['GET', 'HEAD']));
  return router;
}

/**
 * `?since=` as epoch milliseconds or an ISO 8601 time: resume by time, as KafkaSSE's users do.
 * Only used when there is no Last-Event-ID; a value that is neither is refused.
 */
function sinceOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : '';
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new HttpProblem(400, 'Bad Request', 'since must be a time: milliseconds since the epoch or ISO 8601 (e.g. 2026-11-25T18:00:00Z)');
  }
  return ms;
}

/** `?key=`: one key to filter by; empty counts as none (as the producer's), several are refused. */
function keyOf(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new HttpProblem(400, 'Bad Request', 'key must be given once: the stream filters by one key (e.g. ?key=order-7)');
  return value;
}
