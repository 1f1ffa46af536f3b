import { describe, expect, it } from 'vitest';
import { equal, fillPattern, pattern } from './pattern.js';

describe('pattern (the buffer-cycle test bytes)', () => {
  it('is deterministic, a prefix of any longer pattern of the same request (tails included), and differs between requests', () => {
    const long = pattern(1, 2, 3, 4099);
    expect(pattern(1, 2, 3, 4099)).toEqual(long);
    for (const n of [0, 1, 2, 3, 4, 5, 7, 64, 4097]) expect(pattern(1, 2, 3, n), `n = ${n}`).toEqual(long.subarray(0, n));
    const others = [pattern(2, 2, 3, 4099), pattern(1, 3, 3, 4099), pattern(1, 2, 4, 4099)];
    for (const o of others) {
      let same = 0;
      for (let k = 0; k < o.length; k++) if (o[k] === long[k]) same++;
      expect(same / o.length).toBeLessThan(0.02); // ~1/256 by chance
    }
  });

  it('fills any view with the same bytes, word-aligned or not', () => {
    const want = pattern(4, 5, 6, 1001);
    const buf = new Uint8Array(1010).fill(0xee);
    for (const at of [0, 1, 2, 3, 4, 9]) expect(fillPattern(buf.subarray(at, at + 1001), 4, 5, 6), `offset ${at}`).toEqual(want);
  });

  it('looks random: every byte value appears, none much more often than the rest', () => {
    const counts = new Array<number>(256).fill(0);
    for (const b of pattern(7, 0, 0, 1 << 16)) counts[b]!++;
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(370);
  });

  it('equal compares the bytes of the views, not of their whole buffers', () => {
    const a = pattern(1, 0, 0, 100);
    const b = new Uint8Array(110);
    b.set(a, 7);
    expect(equal(a, b.subarray(7, 107))).toBe(true);
    expect(equal(a, b.subarray(6, 106))).toBe(false);
    expect(equal(a, b.subarray(7, 106))).toBe(false);
    b[50] = b[50]! ^ 1;
    expect(equal(a, b.subarray(7, 107))).toBe(false);
  });
});
