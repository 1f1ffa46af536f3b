import { describe, expect, it } from 'vitest';
import { flipOf, rank } from './ranking.js';

const t = { relative: 0.02, absoluteNs: 100 };
const scores = (o: Record<string, number>) => new Map(Object.entries(o));

describe('ranking', () => {
  it('orders best first and groups ties within the tolerance of the group best', () => {
    expect(rank(scores({ a: 7000, b: 6950, c: 80_000, d: 81_000, e: 10_000 }), t)).toEqual([['b', 'a'], ['e'], ['c', 'd']]);
    expect(rank(scores({ x: 5, y: 5 }), t)).toEqual([['x', 'y']]);
  });

  it('a flip is a strict order reversed; a tie opening or closing is not', () => {
    const base = scores({ a: 7000, b: 10_000, c: 80_000 });
    expect(flipOf(base, scores({ a: 7000, b: 10_000, c: 90_000 }), t)).toBeUndefined();
    expect(flipOf(base, scores({ a: 9_950, b: 10_000, c: 80_000 }), t)).toBeUndefined(); // a and b now tie
    expect(flipOf(base, scores({ a: 12_000, b: 10_000, c: 80_000 }), t)).toEqual(['b', 'a']);
    expect(flipOf(base, scores({ a: 7000, b: 10_000, c: 100 }), t)).toEqual(['c', 'a']);
    expect(flipOf(base, scores({ a: 12_000, c: 80_000 }), t)).toBeUndefined(); // b did not run
  });
});
