import { describe, expect, it } from 'vitest';
import { BoundedCache } from './bounded-cache.js';

describe('BoundedCache', () => {
  it('makes a value once, keeps at most `capacity` entries (oldest out first), and does not cache a throw', () => {
    const c = new BoundedCache<number>(2);
    let made = 0;
    const make = (v: number) => () => {
      made++;
      return v;
    };
    expect(c.get('a', make(1))).toBe(1);
    expect(c.get('a', make(9))).toBe(1);
    c.get('b', make(2));
    c.get('c', make(3)); // evicts a
    expect(c.get('a', make(4))).toBe(4);
    expect(made).toBe(4);
    expect(() =>
      c.get('x', () => {
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(c.get('x', make(5))).toBe(5);
  });
});
