import type { Sim } from '../../sim/sim.js';
import { ipiNs } from '../../../platform/cost.js';
import { PAGE_SIZE } from '../../../abi/units.js';

/**
 * TLB and cache flushes as the guest kernel issues them. A kernel-range TLB
 * flush runs on every online CPU (on_each_cpu / flush_tlb_kernel_range): the
 * initiator flushes locally, IPIs the others and waits for them; above
 * tlb_single_page_flush_ceiling pages it is a full flush (arch/x86/mm/tlb.c).
 */

/** flush_tlb_kernel_range() over `pages` pages. */
export function flushTlbKernelPages(m: Sim, pages: number): void {
  if (pages <= 0) return;
  const c = m.cost;
  if (pages > c.tlbSinglePageFlushCeiling) {
    flushTlbAll(m);
    return;
  }
  const others = m.config.vcpus - 1;
  m.counters.tlbFlushPages += pages * m.config.vcpus;
  m.counters.ipis += others;
  const local = pages * c.tlbFlushSinglePageNs;
  m.sched.charge(local + (others > 0 ? ipiNs(c) + local : 0));
}

/** flush_tlb_all(): a full flush on every CPU. */
export function flushTlbAll(m: Sim): void {
  const c = m.cost;
  const others = m.config.vcpus - 1;
  m.counters.tlbFlushFull += m.config.vcpus;
  m.counters.ipis += others;
  m.sched.charge(c.tlbFlushFullNs + (others > 0 ? ipiNs(c) + c.tlbFlushFullNs : 0));
}

/** clflush_cache_range(): one CLFLUSHOPT (or CLFLUSH) per cache line. */
export function clflushCacheRange(m: Sim, bytes: number): void {
  if (bytes <= 0) return;
  const c = m.cost;
  const lines = Math.ceil(bytes / c.cacheLineBytes);
  const per4k = m.config.cacheFlush === 'clflushopt' ? c.cacheFlushPer4kNs : c.clflushPer4kNs;
  m.counters.cacheLinesFlushed += lines;
  m.sched.charge((lines * per4k) / (PAGE_SIZE / c.cacheLineBytes));
}

/** cpa_flush(): TLB flush of the range (or all), then, when asked, a cache flush of every present page. */
export function cpaFlush(m: Sim, numPages: number, cache: boolean): void {
  flushTlbKernelPages(m, numPages);
  if (cache) clflushCacheRange(m, numPages * PAGE_SIZE);
}
