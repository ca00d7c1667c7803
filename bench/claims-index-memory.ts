/**
 * The heap each idempotency key takes in the claims index (every key of the window is held by
 * every replica), measured in this process on the index itself: keys applied as this replica's
 * own claim and outcome, and as records read back from Kafka (after a restart, or another
 * replica's), whose strings are each their own copy.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ClaimsIndex,
  type Claim,
  type Written,
} from '../apps/producer/src/idempotency/claims-index.js';

export interface ClaimsIndexMemory {
  readonly keys: number;
  /** Heap bytes per key, applied from this replica's own records. */
  readonly ownBytesPerKey: number;
  /** Heap bytes per key, applied from records parsed from the log. */
  readonly readBackBytesPerKey: number;
}

/** A full garbage collection, for a heap figure that counts only what is live. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function bytesPerKey(keys: number, readBack: boolean): number {
  const owner = randomUUID();
  const index = new ClaimsIndex();
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < keys; i++) {
    const key = randomUUID();
    const fingerprint = createHash('sha256').update(key).digest('base64url');
    const at = Date.now();
    let claim: Claim = { kind: 'claim', key, fingerprint, owner, at, leaseMs: 27_500 };
    let written: Written = {
      kind: 'written',
      key,
      fingerprint,
      topic: 'messages',
      partition: i % 6,
      offset: String(1_000_000 + i),
      timestampMs: at,
    };
    if (readBack) {
      claim = JSON.parse(JSON.stringify(claim)) as Claim;
      written = JSON.parse(JSON.stringify(written)) as Written;
    }
    index.apply(claim, BigInt(2 * i));
    index.apply(written, BigInt(2 * i + 1));
  }
  collectGarbage();
  const bytes = (process.memoryUsage().heapUsed - before) / keys;
  if (index.size !== keys) throw new Error(`the index holds ${index.size} keys, not ${keys}`);
  return bytes;
}

/** The index's heap per key, for `keys` written keys. */
export function claimsIndexMemory(keys = 200_000): ClaimsIndexMemory {
  return {
    keys,
    ownBytesPerKey: bytesPerKey(keys, false),
    readBackBytesPerKey: bytesPerKey(keys, true),
  };
}
