import { HttpProblem, clientKeyOf, methodNotAllowed } from '@demo-kafka/app-kit';
import { Router, type RequestHandler } from 'express';
import type { ConsumerMetrics } from '../consumer-metrics.js';
import { EVENT_FORMATS, isEventFormat, type EventFormat } from '../stream/event-format.js';
import type { HeaderMatch } from '../stream/record-filter.js';
import { CatchUpsFullError, type StreamHub } from '../stream/stream-hub.js';
import { SINCE_MS, STREAM_PARAMETERS } from './stream-parameters.js';
import { StreamQuota } from './stream-quota.js';

/** Where users read: `curl <host>:31876/messages`. */
export const STREAM_PATH = '/messages';

/**
 * `GET /messages`: the topic as Server-Sent Events, replay first, then live; `?key=` keeps only
 * the records with that key (as the producer's `?key=` writes them), `?header=<name>:<value>`
 * those with that header value, and `?format=json|cloudevents` sends each record as JSON.
 */
export function messagesStreamRoute(
  hub: StreamHub,
  metrics: ConsumerMetrics,
  options: {
    /** Who may read (absent: anyone). */
    readonly guard?: RequestHandler | undefined;
    /** Streams one client may hold (MAX_CLIENT_STREAMS; zero: no limit). */
    readonly maxClientStreams?: number;
  } = {},
): Router {
  const router = Router();
  const quota = new StreamQuota(options.maxClientStreams ?? 0);
  if (options.guard) router.use(STREAM_PATH, options.guard);
  // express would run the GET handler for HEAD too, opening a stream nobody can read.
  router.head(STREAM_PATH, (_req, res) => {
    res.status(200).type('text/event-stream').end();
  });
  router.get(STREAM_PATH, async (req, res) => {
    if (!hub.hasRoom()) {
      metrics.rejectedClients.inc();
      throw new HttpProblem(
        503,
        'Service Unavailable',
        'too many clients are connected; try again shortly',
        { 'Retry-After': '5' },
      );
    }
    const client = clientKeyOf(req, res);
    if (!quota.take(client)) {
      metrics.rejectedClients.inc();
      throw new HttpProblem(
        429,
        'Too Many Requests',
        `this client holds ${quota.max} streams (MAX_CLIENT_STREAMS) already; close one first`,
        { 'Retry-After': '5' },
      );
    }
    res.once('close', () => quota.release(client));
    const { query } = req;
    const since = sinceOf(query[STREAM_PARAMETERS.since.name]);
    const key = keyOf(query[STREAM_PARAMETERS.key.name]);
    const header = headerOf(query[STREAM_PARAMETERS.header.name]);
    const format = formatOf(query[STREAM_PARAMETERS.format.name]);
    const opened = performance.now();
    res.once('close', () =>
      req.log?.info(
        { reqId: req.id, seconds: Math.round(performance.now() - opened) / 1000 },
        'stream closed',
      ),
    );
    req.log?.info(
      {
        reqId: req.id,
        ...(key !== undefined ? { key } : {}),
        resume: req.headers['last-event-id'] !== undefined || query.lastEventId !== undefined,
      },
      'stream opened',
    );
    try {
      // A token's stream ends when it does: the client reconnects with a fresh one and its id.
      const endsAt = res.locals.principal?.expiresAt;
      await hub.connect(req, res, { since, key, header, format, ...(endsAt ? { endsAt } : {}) });
    } catch (error) {
      if (!(error instanceof CatchUpsFullError)) throw error;
      throw new HttpProblem(
        503,
        'Service Unavailable',
        'too many resumes are being read from Kafka right now; try again shortly with the same Last-Event-ID',
        { 'Retry-After': '2' },
      );
    }
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
  const ms = SINCE_MS.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new HttpProblem(
      400,
      'Bad Request',
      'since must be a time: milliseconds since the epoch or ISO 8601 (e.g. 2026-11-25T18:00:00Z)',
    );
  }
  return ms;
}

/** `?format=`: one of EVENT_FORMATS; none (or empty) is the value as text, as ever. */
function formatOf(value: unknown): EventFormat {
  if (value === undefined || value === '') return 'text';
  if (typeof value === 'string' && isEventFormat(value)) return value;
  throw new HttpProblem(
    400,
    'Bad Request',
    `format must be one of ${EVENT_FORMATS.join(', ')} (e.g. ?format=json)`,
  );
}

/** `?header=<name>:<value>`: one header equality; the value may be empty and may hold colons. */
function headerOf(value: unknown): HeaderMatch | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : '';
  const colon = text.indexOf(':');
  if (colon <= 0)
    throw new HttpProblem(
      400,
      'Bad Request',
      'header must be given once, as <name>:<value> (e.g. ?header=correlation-id:c-42)',
    );
  return { name: text.slice(0, colon), value: text.slice(colon + 1) };
}

/** `?key=`: one key to filter by; empty counts as none (as the producer's), several are refused. */
function keyOf(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new HttpProblem(
      400,
      'Bad Request',
      'key must be given once: the stream filters by one key (e.g. ?key=order-7)',
    );
  return value;
}
