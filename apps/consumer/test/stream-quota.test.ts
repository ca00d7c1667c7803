import { describe, expect, it } from 'vitest';
import { StreamQuota } from '../src/http/stream-quota.js';

describe('StreamQuota', () => {
  it('lets each client hold max streams, and counts a release', () => {
    const quota = new StreamQuota(2);
    expect([quota.take('a'), quota.take('a'), quota.take('a')]).toEqual([true, true, false]);
    expect(quota.take('b')).toBe(true);
    quota.release('a');
    expect(quota.take('a')).toBe(true);
    expect(quota.take('a')).toBe(false);
  });

  it('zero is no limit', () => {
    const quota = new StreamQuota(0);
    for (let i = 0; i < 1000; i++) expect(quota.take('a')).toBe(true);
  });
});
