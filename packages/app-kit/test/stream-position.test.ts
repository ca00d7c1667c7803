import { describe, expect, it } from 'vitest';
import {
  formatStreamPosition,
  parseStreamPosition,
  recordId,
  type StreamPosition,
} from '../src/stream-position.js';

const position = (...pairs: Array<[number, bigint]>): StreamPosition => new Map(pairs);

describe('formatStreamPosition', () => {
  it('lists partitions in ascending order when no partition is named first', () => {
    expect(formatStreamPosition(position([2, 7n], [0, 41n], [1, 17n]))).toBe('0:41,1:17,2:7');
  });

  it("puts the event's own partition first, the rest ascending", () => {
    expect(formatStreamPosition(position([0, 41n], [1, 17n], [2, 7n]), 2)).toBe('2:7,0:41,1:17');
    expect(formatStreamPosition(position([0, 41n], [1, 17n], [2, 7n]), 1)).toBe('1:17,0:41,2:7');
  });

  it('ignores a first partition the position does not hold rather than inventing a pair for it', () => {
    expect(formatStreamPosition(position([0, 1n]), 5)).toBe('0:1');
  });

  it('leaves out a partition at -1 (nothing received there yet)', () => {
    expect(formatStreamPosition(position([0, -1n], [1, 5n]))).toBe('1:5');
    expect(formatStreamPosition(position([2, 3n], [0, -1n], [1, 5n]), 1)).toBe('1:5,2:3');
  });

  it('formats an empty position as the empty string', () => {
    expect(formatStreamPosition(new Map())).toBe('');
  });
});

describe('parseStreamPosition', () => {
  it('round-trips what formatStreamPosition writes, whichever partition leads', () => {
    const original = position([0, 41n], [1, 17n], [12, 0n]);
    for (const first of [undefined, 0, 1, 12]) {
      const text = formatStreamPosition(original, first);
      const parsed = parseStreamPosition(text);
      expect(parsed, text).toEqual(original);
      // Re-formatting must reproduce the id byte for byte, or a client could not compare ids.
      expect(formatStreamPosition(parsed ?? new Map(), first)).toBe(text);
    }
  });

  it('reads a single pair', () => {
    expect(parseStreamPosition('0:5')).toEqual(position([0, 5n]));
  });

  it('keeps offsets beyond 2^53 exact', () => {
    // Number would round 9007199254740993 to ...992: a resume would then replay or skip a record.
    expect(parseStreamPosition('3:9007199254740993')?.get(3)).toBe(9007199254740993n);
    expect(parseStreamPosition('0:9223372036854775807')?.get(0)).toBe(9223372036854775807n);
    const big = position([0, 2n ** 53n + 1n], [1, 2n ** 62n + 3n]);
    expect(parseStreamPosition(formatStreamPosition(big, 1))).toEqual(big);
  });

  it.each([
    ['', 'empty'],
    ['abc', 'not a pair'],
    ['0:', 'no offset'],
    [':5', 'no partition'],
    ['0:5,0:6', 'duplicate partition'],
    ['-1:5', 'negative partition'],
    ['0:-5', 'negative offset'],
    ['0:1.5', 'fractional offset'],
    ['0:5,', 'trailing comma'],
    [',0:5', 'leading comma'],
    ['0:5,,1:3', 'empty pair'],
    ['0:5;1:3', 'wrong separator'],
    ['0:5:6', 'three fields'],
    ['0 :5', 'space inside a pair'],
    ['0x1:5', 'hex'],
    ['0:1e3', 'exponent'],
    ['1234567:5', 'partition longer than 6 digits'],
    ['0:12345678901234567890', 'offset longer than 19 digits'],
    ['0:٣', 'non-ASCII digit'],
    ['d2f1a5e0-5f7c-4c1e-9f0a-1b2c3d4e5f60', 'a UUID (better-sse default id)'],
  ])('rejects %j (%s)', (text) => {
    expect(parseStreamPosition(text)).toBeUndefined();
  });

  it('treats null and undefined as no id', () => {
    expect(parseStreamPosition(undefined)).toBeUndefined();
    expect(parseStreamPosition(null)).toBeUndefined();
  });

  it('accepts whitespace around pairs (trimmed), since proxies and hand-typed curl ids may add it', () => {
    expect(parseStreamPosition(' 0:5 , 1:3 ')).toEqual(position([0, 5n], [1, 3n]));
    expect(parseStreamPosition('0:5,\t1:3')).toEqual(position([0, 5n], [1, 3n]));
  });

  it('rejects an id longer than 4096 characters, even when every pair is well formed', () => {
    const pairs: string[] = [];
    for (let p = 0; pairs.join(',').length <= 4096; p++) pairs.push(`${p}:1`);
    const tooLong = pairs.join(',');
    expect(tooLong.length).toBeGreaterThan(4096);
    expect(parseStreamPosition(tooLong)).toBeUndefined();
    // One pair fewer fits, so the bound and not the content is what rejects the longer id.
    const fits = pairs.slice(0, -1).join(',');
    expect(fits.length).toBeLessThanOrEqual(4096);
    expect(parseStreamPosition(fits)?.size).toBe(pairs.length - 1);
  });

  it('reads leading zeros as the same number', () => {
    expect(parseStreamPosition('00:007')).toEqual(position([0, 7n]));
  });
});

describe('recordId', () => {
  it('writes partition:offset for a bigint or a kafkajs string offset', () => {
    expect(recordId(0, 41n)).toBe('0:41');
    expect(recordId(3, '9007199254740993')).toBe('3:9007199254740993');
  });

  it('is an id the stream accepts as a resume position', () => {
    expect(parseStreamPosition(recordId(2, 18446744073n))).toEqual(position([2, 18446744073n]));
  });
});
