import { MAX_PAGE_ORDER, PAGE_SIZE, createSharedBuffer, defineStrategy, fail, getOrder, ok, pfnUp, type Kernel, type SharedBufferAllocator } from '@tdx-shbuf/core';
import { pkg } from './meta.js';
import { vmapNoaliasOptions, type VmapNoaliasOptions } from './options.js';

/** alloc_pages() serves at most one MAX_PAGE_ORDER block: 4 MiB. */
const MAX_BLOCK = PAGE_SIZE * 2 ** MAX_PAGE_ORDER;

interface Live {
  /** First page of the order-`order` block. */
  readonly block: number;
  readonly order: number;
  /** First page of the buffer inside the block (block + 1 with a guard page). */
  readonly pfn: number;
  readonly count: number;
  readonly kva: number;
}

function allocator(kernel: Kernel, o: VmapNoaliasOptions): SharedBufferAllocator {
  const live = new Map<number, Live>();
  const guard = o.guardPage ? 1 : 0;
  const maxBytes = MAX_BLOCK - guard * PAGE_SIZE;
  return {
    async init() {
      return ok(); // nothing is converted at driver load: every request converts its own pages
    },
    async alloc(bytes) {
      if (!Number.isInteger(bytes) || bytes <= 0) return fail('EINVAL', `alloc: ${bytes} is not a positive byte count`);
      if (bytes > maxBytes) return fail('EINVAL', `alloc: ${bytes} bytes exceed one MAX_PAGE_ORDER block${guard ? ' with its guard page' : ''} (${maxBytes})`);
      const count = pfnUp(bytes);
      // alloc_pages(GFP_KERNEL, get_order(size)); with the guard, one more page → one order higher for a power of two.
      const order = getOrder((count + guard) * PAGE_SIZE);
      const block = kernel.allocPages(order);
      if (!block.ok) return block;
      const pfn = block.value + guard; // the guard page (block + 0) stays unused, owned by this allocation
      const pfns = Array.from({ length: count }, (_, i) => pfn + i);
      // vmap(pages, count, VM_MAP, pgprot_decrypted(PAGE_KERNEL))
      const v = kernel.vmap(pfns, 'decrypted');
      if (!v.ok) {
        kernel.freePages(block.value, order);
        return v;
      }
      // set_memory_decrypted_noalias(vaddr, count) (v7, never merged): MapGPA + flushes for the vmap
      // PTEs only; the direct-map alias stays mapped private (privateAliasWhileShared).
      const r = kernel.setMemoryDecryptedNoalias(v.value, count);
      if (!r.ok) {
        // The host may have left some pages shared: never give them back to the page allocator.
        kernel.vunmap(v.value);
        kernel.leakPages(block.value, 2 ** order, 'set_memory_decrypted_noalias failed');
        return fail('EIO', `alloc: set_memory_decrypted_noalias of ${count} pages failed; ${2 ** order} pages leaked`, r.error);
      }
      const gpa = pfn * PAGE_SIZE + kernel.sharedBit; // page_to_phys(page) | cc_mkdec(0)
      const buf = createSharedBuffer(kernel, { kva: v.value, bytes: count * PAGE_SIZE, sharedGpas: [{ gpa, bytes: count * PAGE_SIZE }] });
      live.set(buf.id, { block: block.value, order, pfn, count, kva: v.value });
      return ok(buf);
    },
    async free(buffer) {
      const l = live.get(buffer.id);
      if (!l) return fail('EINVAL', `free: buffer ${buffer.id} was not allocated here or is already freed`);
      live.delete(buffer.id);
      // set_memory_encrypted_noalias(): MapGPA(private) + tdx_accept_memory() of the vmap'd pages.
      const r = kernel.setMemoryEncryptedNoalias(l.kva, l.count);
      kernel.vunmap(l.kva);
      if (!r.ok) {
        kernel.leakPages(l.block, 2 ** l.order, 'set_memory_encrypted_noalias failed');
        return fail('EIO', `free: set_memory_encrypted_noalias of ${l.count} pages failed; ${2 ** l.order} pages leaked`, r.error);
      }
      kernel.freePages(l.block, l.order); // __free_pages(page, order)
      return ok();
    },
    async shutdown() {
      return live.size ? fail('EBUSY', `shutdown: ${live.size} buffers are still in use`) : ok();
    },
  };
}

/** @tdx-shbuf/strategy-vmap-noalias: solution 1 with the v7 set_memory_decrypted_noalias (never merged). */
export default defineStrategy({
  meta: { name: pkg.name, version: pkg.version, description: pkg.description },
  capabilities: (o: VmapNoaliasOptions) => ({
    maxBytes: MAX_BLOCK - (o.guardPage ? PAGE_SIZE : 0),
    concurrent: true,
    needsDevice: false,
    touchesDirectMap: 'never',
    // _noalias leaves the direct-map PTEs private while the page is shared.
    privateAliasWhileShared: true,
  }),
  options: vmapNoaliasOptions,
  create: allocator,
});
