import { describe, expect, it } from 'vitest';
import { testMachine } from '../../test-machine.js';
import { GiB, MAX_PAGE_ORDER, MiB, PAGE_SIZE, TiB } from '../../../abi/units.js';
import { Owner } from '../../memory/phys-mem.js';

describe('buddy page allocator (mm/page_alloc.c)', () => {
  it('serves orders 0..MAX_PAGE_ORDER naturally aligned, from the Normal zone first', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      const pfn = m.pages.allocPages(order)!;
      expect(pfn % 2 ** order).toBe(0);
      expect(pfn * PAGE_SIZE).toBeGreaterThanOrEqual(4 * GiB);
    }
    expect(m.pages.allocPages(MAX_PAGE_ORDER + 1)).toBeUndefined();
  });

  it('merges buddies back: freeing everything restores the free count and the compact free lists', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const free = m.pages.freePageCount;
    const got: [number, number][] = [];
    for (let i = 0; i < 300; i++) {
      const order = i % 5;
      got.push([m.pages.allocPages(order)!, order]);
    }
    for (const [pfn, order] of got.reverse()) m.pages.freePages(pfn, order);
    expect(m.pages.freePageCount).toBe(free);
    expect(m.mem.pagesByOwner[Owner.Free]).toBe(free);
    expect(m.inv.violations).toEqual([]);
  });

  it('alloc_pages_exact frees the tail of the power-of-two block page by page', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const free = m.pages.freePageCount;
    const pfn = m.pages.allocPagesExact(12 * 1024)!; // order 2, keeps 3 pages
    expect(free - m.pages.freePageCount).toBe(3);
    expect(m.mem.owner(pfn + 3)).toBe(Owner.Free);
    m.pages.freePagesExact(pfn, 12 * 1024);
    expect(m.pages.freePageCount).toBe(free);
  });

  it('falls back from Normal to DMA32 when Normal is exhausted, then fails with no throw', () => {
    const m = testMachine({ memoryBytes: 2 * GiB + 512 * MiB }); // < 2.75 GiB: all RAM below 4 GiB
    expect(m.ram).toHaveLength(1);
    const pfn = m.pages.allocPages(0)!;
    expect(pfn * PAGE_SIZE).toBeLessThan(4 * GiB);
  });

  it('a 4 TiB guest boots as a handful of ranges, not per-page state', () => {
    const m = testMachine({ memoryBytes: 4 * TiB });
    expect(m.mem.ranges).toBeLessThan(64);
    expect(m.directMap.ranges).toBeLessThan(64);
    expect(m.pages.zones.reduce((n, z) => n + z.entries, 0)).toBeLessThan(200);
  });
});
