import { fail, ok, type Kernel, type Result } from '@tdx-shbuf/core';
import type { PageBitmap } from './bitmap.js';

/** One naturally aligned block of the pool, decrypted whole in the direct map (a gen_pool chunk). */
export interface PoolBlock {
  /** First page frame; a multiple of 2^order. */
  readonly pfn: number;
  /** alloc_pages() order: 9 (2 MiB) or 10 (4 MiB, for a buffer above 2 MiB). */
  readonly order: number;
  /** One entry per 4 KiB page: 1 = part of a live buffer. */
  readonly map: PageBitmap;
  /** Pages in live buffers. */
  used: number;
  /** Virtual time (ns) its last buffer was freed, or it was added. */
  idleSince: number;
  /** Decrypted at init: kept until shutdown, never shrunk. */
  readonly reserve: boolean;
}

/**
 * atomic_pool_expand() with a naturally aligned block: alloc_pages(GFP_KERNEL,
 * order), then set_memory_decrypted() on its direct-map address. The block
 * covers whole 2M direct-map pages, so __should_split_large_page() keeps them
 * (a 1G page around it is split once, into 2M pages). As in
 * atomic_pool_expand, any failure of set_memory_decrypted() leaks the pages
 * (it cannot tell how far the conversion got); the caller sees ENOMEM when
 * memory ran out (the block, or a page table of the 1G split) and EIO when
 * the host refused the conversion.
 */
export function expandPool(kernel: Kernel, order: number, reserve: boolean): Result<PoolBlock> {
  const pages = 2 ** order;
  const pfn = kernel.allocPages(order);
  if (!pfn.ok) return fail('ENOMEM', `shared pool: no free order-${order} block to grow by`, pfn.error);
  const dec = kernel.setMemoryDecrypted(kernel.pageAddress(pfn.value), pages);
  if (!dec.ok) {
    kernel.leakPages(pfn.value, pages, 'set_memory_decrypted failed while growing the shared pool');
    const code = dec.error.code === 'ENOMEM' ? 'ENOMEM' : 'EIO';
    return fail(code, `shared pool: set_memory_decrypted of an order-${order} block failed (${dec.error.code}); ${pages} pages leaked`, dec.error);
  }
  return ok({ pfn: pfn.value, order, map: new Uint8Array(pages), used: 0, idleSince: kernel.now(), reserve });
}

/**
 * Give a whole idle block back: set_memory_encrypted() (MapGPA(private) of
 * the block, then tdx_accept_memory(), which tries one 2M accept and falls
 * back to 4K where the host maps private memory at 4K), then __free_pages().
 * If the conversion fails the block may still be shared: it is leaked, counted
 * and never reused (dma_direct_free's "leaking DMA memory that can't be
 * re-encrypted").
 */
export function releaseBlock(kernel: Kernel, block: PoolBlock): Result<void> {
  const pages = 2 ** block.order;
  const enc = kernel.setMemoryEncrypted(kernel.pageAddress(block.pfn), pages);
  if (!enc.ok) {
    kernel.leakPages(block.pfn, pages, 'set_memory_encrypted failed while shrinking the shared pool');
    return fail('EIO', `shared pool: set_memory_encrypted of the order-${block.order} block at pfn ${block.pfn} failed; ${pages} pages leaked`, enc.error);
  }
  kernel.freePages(block.pfn, block.order);
  return ok();
}
