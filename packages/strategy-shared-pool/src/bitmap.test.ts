import { describe, expect, it } from 'vitest';
import { bestFit, bitmapFindNextZeroArea, bitmapSet, findNextBit } from './bitmap.js';

/** A bitmap from a string: '#' = used page, '.' = free page. */
const map = (s: string) => Uint8Array.from([...s].map((c) => (c === '#' ? 1 : 0)));

describe('bitmap_find_next_zero_area', () => {
  it('finds the first run of nr clear bits at or after start', () => {
    const m = map('##..#...##');
    expect(bitmapFindNextZeroArea(m, m.length, 0, 2, 0)).toBe(2);
    expect(bitmapFindNextZeroArea(m, m.length, 0, 3, 0)).toBe(5);
    expect(bitmapFindNextZeroArea(m, m.length, 3, 1, 0)).toBe(3);
  });
  it('honours the alignment mask: the start has no bit of align_mask set', () => {
    const m = map('#.......');
    expect(bitmapFindNextZeroArea(m, m.length, 0, 2, 0)).toBe(1);
    expect(bitmapFindNextZeroArea(m, m.length, 0, 2, 1)).toBe(2);
    expect(bitmapFindNextZeroArea(m, m.length, 0, 3, 3)).toBe(4);
  });
  it('fails with a value past size when nothing fits', () => {
    const m = map('#.#.#.#.');
    expect(bitmapFindNextZeroArea(m, m.length, 0, 2, 0)).toBeGreaterThan(m.length);
    expect(bitmapFindNextZeroArea(map('........'), 8, 0, 9, 0)).toBeGreaterThan(8);
  });
});

describe('gen_pool_best_fit', () => {
  it('takes the smallest hole that holds the request, not the first', () => {
    const m = map('.....#...#..#....');
    expect(bestFit(m, m.length, 2, 0)).toEqual({ index: 10, run: 2 });
    expect(bestFit(m, m.length, 3, 0)).toEqual({ index: 6, run: 3 });
    expect(bestFit(m, m.length, 4, 0)).toEqual({ index: 13, run: 4 });
    expect(bestFit(m, m.length, 5, 0)).toEqual({ index: 0, run: 5 });
    expect(bestFit(m, m.length, 6, 0)).toBeUndefined();
  });
  it('with an alignment mask, measures the run from the aligned start', () => {
    const m = map('#......#........');
    // hole [1, 7): aligned start 4 leaves a run of 3; hole [8, 16): start 8, run 8.
    expect(bestFit(m, m.length, 2, 3)).toEqual({ index: 4, run: 3 });
    expect(bestFit(m, m.length, 4, 3)).toEqual({ index: 8, run: 8 });
  });
  it('sees bits set and cleared by bitmap_set / bitmap_clear', () => {
    const m = new Uint8Array(8);
    bitmapSet(m, 2, 3, 1);
    expect(findNextBit(m, 8, 0)).toBe(2);
    expect(bestFit(m, 8, 2, 0)).toEqual({ index: 0, run: 2 });
    bitmapSet(m, 2, 3, 0);
    expect(bestFit(m, 8, 8, 0)).toEqual({ index: 0, run: 8 });
  });
});
