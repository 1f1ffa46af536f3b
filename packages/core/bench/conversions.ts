/**
 * Conversion round trips per second of wall time: set_memory_decrypted then
 * set_memory_encrypted of one 4 KiB page at a random address of a 16 GiB
 * guest — full bookkeeping, splits, flushes, MapGPA, accept, invariant checks.
 */
import { GiB, PAGE_SIZE, Owner } from '@tdx-shbuf/core';
import { testMachine } from '@tdx-shbuf/core/internal';
import { rng, timer, type Timed } from './util.js';

/**
 * Round trips in phases on one machine: the first phase pays the direct-map
 * splits of first touches (one 2M split per new 2M page: a page-table page and
 * flush_tlb_all()), later phases are the steady state. `withAlloc`: each page
 * is first taken with alloc_contig_range and freed after (page-allocator
 * bookkeeping included); otherwise the pages come from one 8 GiB allocation
 * made up front.
 */
export function roundTrips(phases: number[], withAlloc: boolean): Timed[] {
  const m = testMachine({ memoryBytes: 16 * GiB });
  const k = m.kernel;
  const r = rng(12345);
  const high = m.ram[m.ram.length - 1]!;
  let lo = high.startPfn;
  let span = high.endPfn - high.startPfn;
  if (!withAlloc) {
    lo = (5 * GiB) / PAGE_SIZE; // physical 5 GiB: past the boot-time allocations at 4 GiB
    span = (8 * GiB) / PAGE_SIZE;
    if (m.pages.allocContigRange(lo, span) === undefined) throw new Error('could not take 8 GiB');
  }
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
