/**
 * Conversion round trips per second of wall time: set_memory_decrypted then
 * set_memory_encrypted of one 4 KiB page at a random address of a 16 GiB
 * guest — full bookkeeping, splits, flushes, MapGPA, accept, invariant checks.
 */
import { GiB, MAX_PAGE_ORDER, PAGE_SIZE, Owner } from '@tdx-shbuf/core';
import { testMachine } from '@tdx-shbuf/core/internal';
import { rng, timer, type Timed } from './util.js';

/**
 * Round trips in phases on one machine: the first phase pays the direct-map
 * splits of first touches (one 2M split per new 2M page: a page-table page and
 * flush_tlb_all()), later phases are the steady state. The pages are drawn
 * from the 8 GiB at physical 5 GiB (past the boot-time allocations at 4 GiB),
 * taken up front with alloc_contig_range — which accepts what boot left
 * unaccepted. `withAlloc`: that range is freed again in MAX_PAGE_ORDER blocks,
 * and each page is taken with alloc_contig_range and freed after (the buddy
 * allocator's splits and merges included); otherwise the pages stay allocated.
 */
export function roundTrips(phases: number[], withAlloc: boolean): Timed[] {
  const m = testMachine({ memoryBytes: 16 * GiB });
  const k = m.kernel;
  const r = rng(12345);
  const lo = (5 * GiB) / PAGE_SIZE;
  const span = (8 * GiB) / PAGE_SIZE;
  if (m.pages.allocContigRange(lo, span) === undefined) throw new Error('could not take 8 GiB');
  if (withAlloc) for (let pfn = lo; pfn < lo + span; pfn += 2 ** MAX_PAGE_ORDER) k.freePages(pfn, MAX_PAGE_ORDER);
  const times = phases.map((n) => {
    const done = timer();
    let left = n;
    while (left > 0) {
      const pfn = lo + Math.floor(r() * span);
      if (withAlloc) {
        if (m.mem.owner(pfn) !== Owner.Free) continue;
        if (m.pages.allocContigRange(pfn, 1) === undefined) continue;
      }
      const kva = m.pageAddress(pfn);
      if (!k.setMemoryDecrypted(kva, 1).ok || !k.setMemoryEncrypted(kva, 1).ok) throw new Error('conversion failed');
      if (withAlloc) k.freePages(pfn, 0);
      left--;
    }
    return done();
  });
  if (m.inv.violations.length) throw new Error(`violations: ${m.inv.violations.length}`);
  return times;
}
