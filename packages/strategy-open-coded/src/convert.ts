import { PAGE_SIZE, fail, getOrder, ok, type Kernel, type Result } from '@tdx-shbuf/core';
import { mapGpa } from './map-gpa.js';
import { acceptRange } from './accept.js';

/** Pages converted to shared by the strategy itself, mapped at `kva` through a decrypted vmap. */
export interface Converted {
  readonly pfn: number;
  readonly order: number;
  readonly count: number;
  readonly kva: number;
}

/**
 * Kai Huang's sketch (LKML, 2022-05-09), for `count` contiguous pages:
 *   page = alloc_pages(order);
 *   addr = vmap(pages, count, VM_MAP, pgprot_decrypted(PAGE_KERNEL));
 *   clflush_cache_range(page_address(page), size);     // tdx_cache_flush_required()
 *   MapGPA(page_to_phys(page) | cc_mkdec(0), size);    // the tdx_map_gpa() protocol, open-coded
 * No PTE changes — the vmap is created decrypted and the direct map is left
 * alone, its private alias of the shared pages still mapped — so nothing is
 * flushed from the TLB. With `tlbFlush` (Kirill: "You have to split SEPT,
 * flush TLB") the direct-map alias is flushed after MapGPA:
 *   flush_tlb_kernel_range(page_address(page), size);
 * On a MapGPA failure the pages may be partly shared: they are leaked.
 */
export function convertToShared(kernel: Kernel, count: number, tlbFlush: boolean): Result<Converted> {
  const order = getOrder(count * PAGE_SIZE);
  const page = kernel.allocPages(order);
  if (!page.ok) return page;
  const pfn = page.value;
  const v = kernel.vmap(
    Array.from({ length: count }, (_, i) => pfn + i),
    'decrypted',
  );
  if (!v.ok) {
    kernel.freePages(pfn, order);
    return v;
  }
  const size = count * PAGE_SIZE;
  const dm = kernel.pageAddress(pfn);
  kernel.clflushCacheRange(dm, size);
  const pa = pfn * PAGE_SIZE;
  const m = mapGpa(kernel, pa + kernel.sharedBit, pa + size + kernel.sharedBit);
  if (!m.ok) {
    kernel.vunmap(v.value);
    kernel.leakPages(pfn, 2 ** order, `open-coded MapGPA(shared) failed: ${m.why}`);
    return fail('EIO', `MapGPA(shared) of ${count} pages failed (${m.why}); ${2 ** order} pages leaked`);
  }
  if (tlbFlush) kernel.flushTlbKernelRange(dm, size);
  return ok({ pfn, order, count, kva: v.value });
}

/**
 * The free path Kirill asked for ("Are you going to opencode page accept too?"):
 * MapGPA(private) with the same protocol, TDG.MEM.PAGE.ACCEPT of every page
 * (the host flushes its TLBs on shared→private: tdx_tlb_flush_required), vunmap,
 * __free_pages. Any failure leaks the pages: they may still be shared or pending.
 */
export function convertToPrivate(kernel: Kernel, c: Converted): Result<void> {
  const pa = c.pfn * PAGE_SIZE;
  const end = pa + c.count * PAGE_SIZE;
  const m = mapGpa(kernel, pa, end);
  const a = m.ok ? acceptRange(kernel, pa, end) : m;
  kernel.vunmap(c.kva);
  if (!a.ok) {
    kernel.leakPages(c.pfn, 2 ** c.order, `open-coded conversion to private failed: ${a.why}`);
    return fail('EIO', `conversion of ${c.count} pages back to private failed (${a.why}); ${2 ** c.order} pages leaked`);
  }
  kernel.freePages(c.pfn, c.order);
  return ok();
}
