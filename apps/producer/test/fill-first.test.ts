import { describe, expect, it } from 'vitest';
import { fillFirst } from '../src/cluster/fill-first.js';

const loads = (...open: number[]) => open.map((n, i) => ({ id: i + 1, open: n }));

describe('fillFirst', () => {
  it('gives the first worker every connection until it holds `fill`', () => {
    expect(fillFirst(loads(0, 0), 32)).toBe(1);
    expect(fillFirst(loads(31, 0), 32)).toBe(1);
    expect(fillFirst(loads(32, 0), 32)).toBe(2);
    expect(fillFirst(loads(32, 31, 0), 32)).toBe(2);
  });

  it('gives the least loaded one a connection once every worker holds `fill`', () => {
    expect(fillFirst(loads(40, 32), 32)).toBe(2);
    expect(fillFirst(loads(33, 33), 32)).toBe(1);
    expect(fillFirst(loads(50, 32, 40), 32)).toBe(2);
  });

  it('goes back to the first once it has room again', () => {
    expect(fillFirst(loads(10, 40), 32)).toBe(1);
  });

  it('has nobody to give to without workers', () => {
    expect(fillFirst([], 32)).toBeUndefined();
  });
});
