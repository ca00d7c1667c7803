import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fixRequestQueueTimerLoop } from '../src/fixes/request-queue-timer-fix.js';
import { FIXED_KAFKAJS_VERSION } from '../src/fixes/kafkajs-version.js';
import { waitFor } from '../../../test/support/wait-for.js';

const require = createRequire(import.meta.url);

interface QueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}
const { prototype } = require('kafkajs/src/network/requestQueue/index.js') as {
  prototype: { scheduleCheckPendingRequests(this: QueueState): void };
};

/** A RequestQueue's scheduling state, as kafkajs sets it up (nothing throttled: -1). */
function queue(pending: unknown[], throttledUntil = -1): QueueState & { checks: number } {
  const state = {
    pending,
    throttledUntil,
    throttleCheckTimeoutId: null,
    checks: 0,
    checkPendingRequests: () => {
      state.checks += 1;
    },
  };
  return state;
}

describe('kafkajs RequestQueue timer fix', () => {
  const patched = fixRequestQueueTimerLoop();

  it('is written for the kafkajs version installed (re-check kafkajs#1556 before bumping it)', () => {
    expect((require('kafkajs/package.json') as { version: string }).version).toBe(
      FIXED_KAFKAJS_VERSION,
    );
    expect(patched).toBe(true);
  });

  it('arms no timer when no request waits', () => {
    const idle = queue([]);
    prototype.scheduleCheckPendingRequests.call(idle);
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('still checks waiting requests when the broker throttle ends', async () => {
    const throttled = queue([{}], Date.now() + 30);
    prototype.scheduleCheckPendingRequests.call(throttled);
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    await waitFor(
      () => throttled.checks === 1,
      2_000,
      () => 'for the check after the throttle',
    );
    expect(throttled.throttleCheckTimeoutId).toBeNull();
  });
});
