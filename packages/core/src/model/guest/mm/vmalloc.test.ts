import { describe, expect, it } from 'vitest';
import { VmapArea } from './vmalloc.js';
import { PAGE_SIZE, VMALLOC_BASE } from '../../../abi/units.js';

describe('vmap area lookup (find_vmap_area)', () => {
  it('finds the alias and page index of every mapped page; guard pages, lazily freed and never-mapped pages are misses', () => {
    const v = new VmapArea();
    const a = v.map([10, 11, 12], true)!;
    const b = v.map([20], false)!;
    const c = v.map([30, 31], true)!;
    // first fit, each followed by its guard page
    expect([a.kva, b.kva, c.kva]).toEqual([VMALLOC_BASE, VMALLOC_BASE + 4 * PAGE_SIZE, VMALLOC_BASE + 6 * PAGE_SIZE]);
    for (const [alias, n] of [
      [a, 3],
      [b, 1],
      [c, 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const hit = v.lookup(alias.kva + i * PAGE_SIZE + 123);
        expect(hit?.alias).toBe(alias);
        expect(hit?.index).toBe(i);
      }
      expect(v.lookup(alias.kva + n * PAGE_SIZE)).toBeUndefined(); // the guard page
    }
    expect(v.lookup(VMALLOC_BASE + 100 * PAGE_SIZE)).toBeUndefined();
    v.unmap(b.kva);
    expect(v.lookup(b.kva)).toBeUndefined(); // still busy until purged, but no alias
    expect(v.lookup(c.kva + PAGE_SIZE)?.index).toBe(1);
    expect(v.purge()).toBe(2);
    // the freed range is reused first fit, and found again
    const d = v.map([40], true)!;
    expect(d.kva).toBe(b.kva);
    expect(v.lookup(d.kva)?.alias).toBe(d);
    expect(v.lookup(a.kva + 2 * PAGE_SIZE)?.alias).toBe(a);
  });
});
