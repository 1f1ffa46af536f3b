import { describe, expect, it } from 'vitest';
import { FreeLists } from './free-lists.js';

/** A seeded linear congruential generator of integers in [0, n), so failures reproduce. */
function lcg(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
}

describe('free lists (struct free_area: LIFO lists through the blocks, found by pfn)', () => {
  it('agree with plain lists under random push, pop and remove: same blocks, same order, through growth and deletions', () => {
    const orders = 10;
    const f = new FreeLists(orders);
    const ref: number[][] = Array.from({ length: orders }, () => []); // head first
    const where = new Map<number, number>();
    const r = lcg(3);
    // pfns aligned to their order, some above 2^32 (a guest past 16 TiB), many sharing low bits
    const pick = (o: number) => (r(4) === 0 ? 2 ** 33 : 0) + r(1 << 14) * (1 << o) * 64;
    for (let step = 0; step < 60_000; step++) {
      const o = r(orders);
      const op = r(10);
      if (op < 5) {
        const pfn = pick(o);
        if (where.has(pfn)) continue;
        f.push(pfn, o);
        ref[o]!.unshift(pfn);
        where.set(pfn, o);
      } else if (op < 7) {
        const got = f.pop(o);
        const want = ref[o]!.shift();
        expect(got).toBe(want);
        if (want !== undefined) where.delete(want);
      } else if (where.size > 0) {
        const pfn = [...where.keys()][r(where.size)]!;
        const oo = where.get(pfn)!;
        f.remove(pfn);
        ref[oo]!.splice(ref[oo]!.indexOf(pfn), 1);
        where.delete(pfn);
      }
      if (step % 5000 === 0) {
        for (const [pfn, oo] of where) expect(f.orderAt(pfn)).toBe(oo);
        expect(f.orderAt(2 ** 40 + 7)).toBe(-1);
      }
    }
    expect(f.size).toBe(where.size);
    // draining each list gives the reference order
    for (let o = 0; o < orders; o++) {
      const drained: number[] = [];
      for (let p = f.pop(o); p !== undefined; p = f.pop(o)) drained.push(p);
      expect(drained, `order ${o}`).toEqual(ref[o]);
    }
    expect(f.size).toBe(0);
    for (const pfn of where.keys()) expect(f.orderAt(pfn)).toBe(-1);
  });

  it('removing a block that is not free is a bug, reported at once', () => {
    const f = new FreeLists(10);
    f.push(512, 9);
    expect(() => f.remove(1024)).toThrow(/no free block at pfn 1024/);
  });
});
