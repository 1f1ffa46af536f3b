import { describe, expect, it } from 'vitest';
import { RangeMap } from './range-map.js';

/** Deterministic xorshift so failures reproduce. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

describe('RangeMap', () => {
  it('agrees with a plain array under random set/update and keeps runs merged', () => {
    const limit = 5000;
    const m = new RangeMap(limit, 0);
    const ref = new Array<number>(limit).fill(0);
    const r = rng(42);
    for (let step = 0; step < 4000; step++) {
      const a = r(limit);
      const b = Math.min(limit, a + 1 + r(step % 10 === 0 ? 2000 : 8));
      const v = r(4);
      if (step % 3 === 0) {
        m.update(a, b, (x) => (x + v) % 4);
        for (let k = a; k < b; k++) ref[k] = (ref[k]! + v) % 4;
      } else {
        m.set(a, b, v);
        for (let k = a; k < b; k++) ref[k] = v;
      }
    }
    let runs = 0;
    let prev = -1;
    for (let k = 0; k < limit; k++) {
      expect(m.get(k)).toBe(ref[k]);
      if (ref[k] !== prev) runs++;
      prev = ref[k]!;
    }
    // Equal neighbours are merged: the run count is the minimum possible.
    expect(m.size).toBe(runs);
    let seen = 0;
    m.forEachRun(0, limit, (s, e, v) => {
      for (let k = s; k < e; k++) expect(ref[k]).toBe(v);
      seen += e - s;
    });
    expect(seen).toBe(limit);
  });

  it('agrees with a plain array when many chunks split, empty and merge (sets spanning chunks, at key 0 and at the limit)', () => {
    const limit = 20_000;
    const m = new RangeMap(limit, 0);
    const ref = new Array<number>(limit).fill(0);
    const r = rng(7);
    const set = (a: number, b: number, v: number) => {
      if (b < limit) m.get(b); // a lookup just before a set must not answer for the map after it
      m.set(a, b, v);
      ref.fill(v, a, b);
      for (const k of [b - 1, b, a, a - 1]) if (k >= 0 && k < limit) expect(m.get(k), `key ${k}`).toBe(ref[k]);
    };
    const check = () => {
      let runs = 0;
      for (let k = 0; k < limit; k++) if (k === 0 || ref[k] !== ref[k - 1]) runs++;
      expect(m.size).toBe(runs);
      // values and run ends of every key, compared in one go (an expect per key is slow)
      const got: number[] = [];
      const want: number[] = [];
      let end = 0;
      for (let k = 0; k < limit; k++) {
        if (k >= end) for (end = k + 1; end < limit && ref[end] === ref[k]; ) end++;
        got.push(m.get(k), m.runEnd(k));
        want.push(ref[k]!, end);
      }
      expect(got).toEqual(want);
      const runsSeen: number[] = [];
      const runsWant: number[] = [];
      m.forEachRun(0, limit, (a, b, v) => void runsSeen.push(a, b, v));
      for (let k = 0; k < limit; ) {
        let e = k + 1;
        while (e < limit && ref[e] === ref[k]) e++;
        runsWant.push(k, e, ref[k]!);
        k = e;
      }
      expect(runsSeen).toEqual(runsWant);
    };
    for (let round = 0; round < 5; round++) {
      // thousands of short runs: the map holds dozens of chunks
      for (let step = 0; step < 4000; step++) {
        const a = r(limit);
        set(a, Math.min(limit, a + 1 + r(3)), r(3));
      }
      check();
      // long sets across many chunks, some from key 0 or to the limit, some equal to a neighbour
      for (let step = 0; step < 20; step++) {
        const a = step % 5 === 0 ? 0 : r(limit);
        const b = step % 7 === 0 ? limit : Math.min(limit, a + 1 + r(6000));
        set(a, b, a > 0 && step % 2 === 0 ? ref[a - 1]! : r(3));
        check();
      }
    }
    set(0, limit, 5);
    expect(m.size).toBe(1);
    check();
  });

  it('holds 2^30 keys in one run and grows only with touched ranges', () => {
    const m = new RangeMap(2 ** 30, 7);
    expect(m.size).toBe(1);
    for (let i = 0; i < 2000; i++) m.set(i * 1000 + 1, i * 1000 + 2, 1);
    expect(m.size).toBe(4001);
    for (let i = 0; i < 2000; i++) m.set(i * 1000 + 1, i * 1000 + 2, 7);
    expect(m.size).toBe(1);
    expect(m.runEnd(5)).toBe(2 ** 30);
  });
});
