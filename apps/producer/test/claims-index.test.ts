import { describe, expect, it } from 'vitest';
import { ClaimsIndex, type Claim, type Written } from '../src/idempotency/claims-index.js';
import { fingerprintOf } from '../src/idempotency/fingerprint.js';
import { idempotencyKeyOf } from '../src/idempotency/idempotency-key.js';

const claim = (owner: string, at: number, fingerprint = 'f'): Claim => ({
  kind: 'claim',
  key: 'k',
  fingerprint,
  owner,
  at,
  leaseMs: 1_000,
});
const written = (offset: string): Written => ({
  kind: 'written',
  key: 'k',
  fingerprint: 'f',
  topic: 't',
  partition: 0,
  offset,
  timestampMs: 0,
});

describe('ClaimsIndex: the first claim in the log holds a key', () => {
  it('a later claim made while the first one holds loses, whoever made it', () => {
    const index = new ClaimsIndex();
    index.apply(claim('a', 100), 0n);
    index.apply(claim('b', 100), 1n);
    expect(index.holding('k', 0n)).toEqual({});
    expect(index.holding('k', 1n)).toBeUndefined();
    expect(index.state('k', 500)).toMatchObject({ kind: 'claimed', offset: 0n });
  });

  it('a claim whose lease ran out lapses, and a claim made after that takes the key', () => {
    const index = new ClaimsIndex();
    index.apply(claim('a', 100), 0n);
    expect(index.state('k', 1_100).kind).toBe('lapsed');
    index.apply(claim('b', 1_100), 1n);
    // The writer of the lapsed claim may have written: the new holder is told which claim it was.
    expect(index.holding('k', 1n)).toEqual({ replaced: claim('a', 100) });
  });

  it('the first outcome stands; once written, no claim holds the key', () => {
    const index = new ClaimsIndex();
    index.apply(claim('a', 100), 0n);
    index.apply(written('7'), 1n);
    index.apply(written('9'), 2n);
    index.apply(claim('b', 5_000), 3n);
    expect(index.state('k', 10_000)).toEqual({ kind: 'written', written: written('7') });
    expect(index.holding('k', 3n)).toBeUndefined();
  });

  it('forgets keys first seen before the window', () => {
    const index = new ClaimsIndex();
    index.apply(claim('a', 100), 0n);
    index.apply({ ...claim('b', 5_000), key: 'later' }, 1n);
    index.prune(1_000);
    expect(index.state('k', 0).kind).toBe('free');
    expect(index.state('later', 0).kind).toBe('claimed');
  });

  it("forgets a written key by its record's time, and keeps the order the log gave the keys", () => {
    const index = new ClaimsIndex();
    index.apply(claim('a', 100), 0n);
    index.apply({ ...claim('b', 200), key: 'next' }, 1n);
    // Written after the next key was claimed, yet still first in line.
    index.apply({ ...written('7'), timestampMs: 300 }, 2n);
    index.apply({ ...written('8'), key: 'next', timestampMs: 5_000 }, 3n);
    index.prune(1_000);
    expect(index.state('k', 0).kind).toBe('free');
    expect(index.state('next', 0)).toEqual({
      kind: 'written',
      written: { ...written('8'), key: 'next', timestampMs: 5_000 },
    });
    expect(index.size).toBe(1);
  });
});

describe('fingerprintOf: what makes a retry the same request', () => {
  const base = { value: Buffer.from('v'), key: 'k', headers: { 'content-type': 'text/plain' } };
  it('ignores the trace context and the order of headers, not the body, key or other headers', () => {
    const f = fingerprintOf(base);
    expect(fingerprintOf({ ...base, headers: { ...base.headers, traceparent: 'x' } })).toBe(f);
    expect(fingerprintOf({ ...base, headers: { a: '1', b: '2' } })).toBe(
      fingerprintOf({ ...base, headers: { b: '2', a: '1' } }),
    );
    expect(fingerprintOf({ ...base, value: Buffer.from('w') })).not.toBe(f);
    expect(fingerprintOf({ ...base, key: undefined })).not.toBe(f);
    expect(fingerprintOf({ ...base, headers: { 'content-type': 'text/csv' } })).not.toBe(f);
  });
});

describe('idempotencyKeyOf', () => {
  it('takes a bare or quoted key, and refuses an empty, long or non-ASCII one with 400', () => {
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    expect(idempotencyKeyOf('abc-1')).toBe('abc-1');
    expect(idempotencyKeyOf('"8e03978e-40d5"')).toBe('8e03978e-40d5');
    for (const bad of ['', '""', 'a b', 'x'.repeat(256), 'ключ'])
      expect(() => idempotencyKeyOf(bad)).toThrow(/Idempotency-Key must be/);
  });
});
