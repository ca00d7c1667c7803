import type { Logger } from '../logger.js';

/** Answers that refuse a client on purpose (with a 503 the app chose): logged by RefusalLog, not one line each. */
export const REFUSAL_STATUSES: ReadonlySet<number> = new Set([401, 403, 429, 503]);

/** How often each kind of refusal may be logged. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

interface Kind {
  loggedAt: number;
  /** Refusals since the last line. */
  unlogged: number;
}

/**
 * Logs refusals (401, 403, 429, a 503 the app chose to answer) at most once per kind and
 * interval, with how many it left out: a flood of refused requests would otherwise write a line
 * each, and a client that is refused on purpose is not an error of the app's.
 */
export class RefusalLog {
  readonly #kinds = new Map<string, Kind>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = REFUSAL_LOG_INTERVAL_MS,
  ) {}

  /** Notes one refusal of `kind` (e.g. `401 POST /messages`), logged with `fields` when its turn comes. */
  refused(kind: string, fields: Record<string, unknown>): void {
    const now = performance.now();
    let seen = this.#kinds.get(kind);
    if (!seen) {
      seen = { loggedAt: Number.NEGATIVE_INFINITY, unlogged: 0 };
      this.#kinds.set(kind, seen);
    }
    seen.unlogged++;
    if (now - seen.loggedAt < this.intervalMs) return;
    this.logger.warn(
      { ...fields, refused: seen.unlogged, intervalSeconds: this.intervalMs / 1000 },
      seen.unlogged > 1
        ? `refused: ${kind} (${seen.unlogged} times since the last line)`
        : `refused: ${kind}`,
    );
    seen.loggedAt = now;
    seen.unlogged = 0;
  }
}

const logs = new WeakMap<Logger, RefusalLog>();

/** The one refusal log of `logger`, shared by the request log and the problem handler. */
export function refusalLogOf(logger: Logger): RefusalLog {
  let log = logs.get(logger);
  if (!log) {
    log = new RefusalLog(logger);
    logs.set(logger, log);
  }
  return log;
}
