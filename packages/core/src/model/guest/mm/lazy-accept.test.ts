import { describe, expect, it } from 'vitest';
import { testMachine, type TestMachine } from '../../test-machine.js';
import { GiB, MAX_PAGE_ORDER, PAGE_SIZE, TiB } from '../../../abi/units.js';
import { Owner, PageState } from '../../memory/phys-mem.js';
import { UNACCEPTED_UNIT_PAGES as U } from '../efi/unaccepted-memory.js';

const TOP = 2 ** MAX_PAGE_ORDER;
const normal = (m: TestMachine) => m.pages.zones.find((z) => z.name === 'Normal')!;

/** Allocate single pages until one more would make cond_accept_memory() accept (free = promo − 1). */
function drainToPromo(m: TestMachine): void {
  const z = normal(m);
  while (z.freePages >= z.wmark.promo) m.pages.allocPages(0, 'Normal');
}

describe('lazy acceptance in the page allocator (docs/model.md §3 "Unaccepted memory"; mm/page_alloc.c)', () => {
  it('init_per_zone_wmark_min(): min_free_kbytes = int_sqrt(lowmem_kbytes × 16), then min/low/high/promo per zone', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    // Managed pages when the watermarks were set: DMA 16 MiB − the first MiB = 3840; DMA32 [16 MiB, 2 GiB)
    // − the 32 MiB kernel image − the 1 GiB SWIOTLB = 249856; Normal 14 GiB = 3670016 (unaccepted included).
    // lowmem_kbytes = 3923712 × 4 = 15694848; int_sqrt(× 16) = 15846 kB; pages_min = 3961.
    // Normal: min = 3961 × 3670016 / 3923712 = 3704; step = max(3704 >> 2, 3670016 × 10 / 10000) = 3670.
    expect(normal(m).wmark).toEqual({ min: 3704, low: 7374, high: 11044, promo: 14714 });
    // DMA32 (its managed count has grown since by mark_rodata_ro()'s freed gaps): min = 3961 × 249856 / 3923712 = 252.
    expect(m.pages.zones[1]!.wmark.min).toBe(252);
  });

  it('boot leaves the zone at its promo watermark of accepted memory, the rest on zone->unaccepted_pages', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const z = normal(m);
    // cond_accept_memory() stops once promo − free ≤ 0, a block at a time
    expect(z.freePages).toBeGreaterThanOrEqual(z.wmark.promo);
    expect(z.freePages).toBeLessThan(z.wmark.promo + TOP);
    // 16 GiB: the atomic pool's allocation (before watermarks) accepted 1 block, mark_rodata_ro()'s page
    // tables found the zone below promo and 14 more followed: 15 × 1024 − 512 (the pool) − 3 page tables
    // (the pool's 1G split, the two gap splits) = 14845 free, 131 above promo (14714) — the slack the
    // strategies' pinned signatures quote
    expect(m.counters.acceptMemoryBlocks).toBe(15);
    expect(z.freePages - z.wmark.promo).toBe(131);
    expect(z.unacceptedPages + z.freePages + m.mem.pagesByOwner[Owner.Allocated]!).toBeGreaterThan((14 * GiB) / PAGE_SIZE - 3 * TOP);
    // the blocks accepted so far, each plus the guard unit after the last one
    expect(m.counters.acceptMemoryUnits).toBe(2 * m.counters.acceptMemoryBlocks + 1);
    expect(m.pages.zones.slice(0, 2).every((zz) => !zz.hasUnaccepted)).toBe(true); // below 4 GiB: TDVF accepted it all
  });

  it('the allocation that finds the zone below promo accepts the lowest unaccepted block first (try_to_accept_memory_one)', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    drainToPromo(m);
    const z = normal(m);
    const lowest = lowestUnaccepted(m);
    const c0 = m.sinceBoot();
    const t0 = m.sched.now();
    expect(m.pages.allocPages(0, 'Normal')).toBeDefined();
    const d = diff(c0, m.sinceBoot());
    expect(d.acceptMemoryBlocks).toBe(1);
    // the block's first unit was the previous block's guard unit: accept_memory() accepts its second
    // unit and the guard unit after it — 2 units, 1024 pages, at 4K since upstream KVM maps 4K only
    expect(d.acceptMemoryUnits).toBe(2);
    expect(d.accepts4k).toBe(2 * U);
    expect(d.acceptSizeMismatch).toBe(2); // one TDX_PAGE_SIZE_MISMATCH per 2M try_accept_one
    expect(m.mem.every(lowest, TOP, (st, owner) => st === PageState.PrivateAccepted && owner !== Owner.Unaccepted)).toBe(true);
    // the guard unit is accepted while its block still waits on the list
    expect(m.mem.state(lowest + TOP)).toBe(PageState.PrivateAccepted);
    expect(m.mem.owner(lowest + TOP)).toBe(Owner.Unaccepted);
    expect(m.mem.state(lowest + TOP + U)).toBe(PageState.PrivatePending);
    // first-touch cost, charged to the allocating task and shown as lazyAcceptNs
    expect(d.lazyAcceptNs).toBeGreaterThanOrEqual(2 * U * m.cost.acceptPer4kNs);
    expect(d.lazyAcceptNs).toBeLessThanOrEqual(m.sched.now() - t0);
    expect(z.freePages).toBeGreaterThanOrEqual(z.wmark.promo);
    expect(m.inv.violations).toEqual([]);
  });

  it('a 4 MiB allocation right after boot pays the accept of a block: order 10 cannot use 1023 of the free pages', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const z = normal(m);
    // to_accept = promo − (free − ((1 << 10) − 1)) > 0 whenever free < promo + 1023
    expect(z.freePages - z.wmark.promo).toBeLessThan(TOP - 1);
    const c0 = m.sinceBoot();
    expect(m.pages.allocPages(MAX_PAGE_ORDER, 'Normal')).toBeDefined();
    expect(diff(c0, m.sinceBoot()).acceptMemoryBlocks).toBe(1);
  });

  it('with the host mapping private memory at 2M, a block is two 2M accepts', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, hostPrivateMapLevel: '2m' });
    drainToPromo(m);
    const c0 = m.sinceBoot();
    m.pages.allocPages(0, 'Normal');
    const d = diff(c0, m.sinceBoot());
    expect([d.acceptMemoryBlocks, d.accepts2m, d.accepts4k, d.acceptSizeMismatch]).toEqual([1, 2, 0, 0]);
    expect(d.lazyAcceptNs).toBeGreaterThanOrEqual(2 * m.cost.acceptPer2mNs);
  });

  it('alloc_contig_range() accepts the unaccepted blocks it isolates (set_migratetype_isolate → accept_page)', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const pfn = (13 * GiB) / PAGE_SIZE + 8;
    expect(m.mem.owner(pfn)).toBe(Owner.Unaccepted);
    const c0 = m.sinceBoot();
    expect(m.pages.allocContigRange(pfn, 1)).toBeDefined();
    expect(diff(c0, m.sinceBoot()).acceptMemoryBlocks).toBe(1);
    expect(m.mem.state(pfn)).toBe(PageState.PrivateAccepted);
    expect(m.machine.audit().lost).toEqual([]);
  });

  it('memory stays ranges: a 4 TiB guest boots and accepts 64 blocks without per-page state', () => {
    const m = testMachine({ memoryBytes: 4 * TiB });
    const booted = m.mem.ranges;
    expect(booted).toBeLessThan(64);
    for (let i = 0; i < 64; i++) m.pages.allocPages(MAX_PAGE_ORDER, 'Normal');
    expect(m.counters.acceptMemoryBlocks).toBeGreaterThanOrEqual(64);
    // one range per allocation (its allocation id) and a few for the accepted edge, none per page
    expect(m.mem.ranges).toBeLessThan(booted + 64 + 8);
    expect(m.pages.zones.reduce((n, z) => n + z.entries, 0)).toBeLessThan(200);
  });
});

function lowestUnaccepted(m: TestMachine): number {
  let found = -1;
  m.mem.forEach((4 * GiB) / PAGE_SIZE, m.mem.maxPfn - (4 * GiB) / PAGE_SIZE, (s, _e, _st, owner) => {
    if (owner !== Owner.Unaccepted) return true;
    found = s;
    return false;
  });
  return found;
}

function diff<T extends Record<string, number>>(a: T, b: T): T {
  return Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - a[k]!])) as T;
}
