import { isFixedKafkajsVersion, kafkajsRequire } from './kafkajs-version.js';

/** How often kafkajs re-checks requests that wait for the broker's throttle (its own constant). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** The fields of kafkajs' per-connection RequestQueue that the fix reads and writes. */
interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

/**
 * kafkajs 2.2.4 re-arms a timer after every response on every broker connection, for ever,
 * even when no request waits: `throttledUntil - Date.now()` is negative when nothing throttles,
 * which Node turns into 1 ms (tulios/kafkajs#1556, #1704; on Node 24 and later it also prints a
 * TimeoutNegativeWarning, #1751). So each connection wakes the process a thousand times a
 * second while idle, and under load the timer churn was nearly a third of the producer's user
 * CPU per request. This replaces the method with the change proposed upstream (#1667): a check is
 * scheduled only while requests wait, at the end of the throttle or every 10 ms as before.
 * kafkajs has no option for it and no release will fix it, so the class is patched in place,
 * only for the version read here. Returns whether it patched (false for another version).
 */
export function fixRequestQueueTimerLoop(): boolean {
  if (!isFixedKafkajsVersion()) return false;
  // kafkajs ships no types for its internals; the class is typed by the fields used here.
  const RequestQueue = kafkajsRequire('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueState & { scheduleCheckPendingRequests(): void };
  };
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
    this: RequestQueueState,
  ): void {
    if (this.throttleCheckTimeoutId) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    // Nothing waits: the next response or push() checks the queue again.
    if (this.pending.length === 0) return;
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
  return true;
}
