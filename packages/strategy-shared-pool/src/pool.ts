import {
  MAX_PAGE_ORDER,
  PAGE_SIZE,
  createSharedBuffer,
  fail,
  getOrder,
  ok,
  pfnUp,
  type AllocatorRequirements,
  type Kernel,
  type Result,
  type SharedBuffer,
  type SharedBufferAllocator,
} from '@tdx-shbuf/core';
import { BLOCK_ORDER, maxBufferBytes, type SharedPoolOptions } from './options.js';
import { bestFit, bitmapSet } from './bitmap.js';
import { expandPool, releaseBlock, type PoolBlock } from './block.js';

const NS_PER_MS = 1_000_000;

/** Where a live buffer sits: its block and first page index in it. */
interface Placement {
  readonly block: PoolBlock;
  readonly index: number;
  readonly pages: number;
}

/** The block order that holds `bytes` contiguously: 9, or 10 above 2 MiB (alloc_pages() cannot go past MAX_PAGE_ORDER). */
export const blockOrderFor = (bytes: number): number => Math.min(MAX_PAGE_ORDER, Math.max(BLOCK_ORDER, getOrder(bytes)));

/**
 * A gen_pool of naturally aligned blocks decrypted whole in the direct map
 * (kernel/dma/pool.c's atomic pool, with order-9/10 chunks): buffers are
 * carved out best fit at 4 KiB granularity across all blocks, the pool grows
 * by a whole block when nothing fits and, with `shrinkIdleMs`, gives back
 * blocks grown after init once they have been idle that long. A buffer never
 * straddles blocks: one above 2 MiB gets an order-10 block (two adjacent 2M
 * pages, 4 MiB aligned). Every call runs to completion without yielding, so
 * the model's scheduler serializes them as the pool's spinlock would.
 */
export class SharedPoolAllocator implements SharedBufferAllocator {
  private blocks: PoolBlock[] = [];
  private readonly live = new Map<SharedBuffer, Placement>();
  private ready = false;
  private readonly maxBytes: number;

  constructor(
    private readonly kernel: Kernel,
    private readonly options: SharedPoolOptions,
    private readonly requirements: AllocatorRequirements,
  ) {
    this.maxBytes = maxBufferBytes(options);
  }

  /** Bytes the pool holds decrypted now (debugfs dma_pools/pool_size_kernel). */
  get poolBytes(): number {
    return this.blocks.reduce((n, b) => n + 2 ** b.order, 0) * PAGE_SIZE;
  }

  /** The blocks and their use, in the order they were added. */
  get poolBlocks(): readonly { pfn: number; order: number; usedPages: number; reserve: boolean }[] {
    return this.blocks.map((b) => ({ pfn: b.pfn, order: b.order, usedPages: b.used, reserve: b.reserve }));
  }

  /** Decrypt `initialBlocks` blocks (the first sized for requirements.bytes); on failure give back what was taken. */
  async init(): Promise<Result<void>> {
    if (this.ready) return fail('EBUSY', 'init: the shared pool is already set up');
    const target = this.options.initialBlocks * 2 ** BLOCK_ORDER;
    let order = blockOrderFor(this.requirements.bytes);
    while (this.options.initialBlocks > 0 && (this.blocks.length === 0 || this.poolBytes / PAGE_SIZE < target)) {
      const b = expandPool(this.kernel, order, true);
      if (!b.ok) {
        this.releaseAll();
        return b;
      }
      this.blocks.push(b.value);
      order = BLOCK_ORDER;
    }
    this.ready = true;
    return ok();
  }

  async alloc(bytes: number): Promise<Result<SharedBuffer>> {
    const k = this.kernel;
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > this.maxBytes)
      return fail('EINVAL', `alloc: ${bytes} bytes is outside 1..${this.maxBytes} (one block of at most MAX_PAGE_ORDER within maxPoolBytes)`);
    if (!this.ready) return fail('ENODEV', 'alloc: init() has not set up the shared pool');
    const pages = pfnUp(bytes);
    // gen_pool_first_fit_order_align: align_mask = roundup_pow_of_two(nr) - 1.
    const alignMask = this.options.align === 'order' ? 2 ** getOrder(bytes) - 1 : 0;
    let fit = this.bestFitAcrossBlocks(pages, alignMask);
    if (!fit) {
      const grown = this.grow(pages);
      if (!grown.ok) return grown;
      fit = { block: grown.value, index: 0 };
    }
    const { block, index } = fit;
    bitmapSet(block.map, index, pages, 1);
    block.used += pages;
    const pfn = block.pfn + index;
    const len = pages * PAGE_SIZE;
    // The direct map of the block is decrypted: page_address() is already a shared mapping, and the GPA is cc_mkdec(pa).
    const buffer = createSharedBuffer(k, { kva: k.pageAddress(pfn), bytes: len, sharedGpas: [{ gpa: pfn * PAGE_SIZE + k.sharedBit, bytes: len }] });
    this.live.set(buffer, { block, index, pages });
    this.shrinkIdle();
    return ok(buffer);
  }

  /** Zero the buffer through its shared mapping (the host can read the pool), then clear its bits. */
  async free(buffer: SharedBuffer): Promise<Result<void>> {
    const k = this.kernel;
    const p = this.live.get(buffer);
    if (!p) return fail('EINVAL', `free: buffer ${buffer.id} is not live in this shared pool (double free or foreign buffer)`);
    const z = k.zero(k.pageAddress(p.block.pfn + p.index), p.pages * PAGE_SIZE);
    if (!z.ok) return z;
    this.live.delete(buffer);
    bitmapSet(p.block.map, p.index, p.pages, 0);
    p.block.used -= p.pages;
    if (p.block.used === 0) p.block.idleSince = k.now();
    this.shrinkIdle();
    return ok();
  }

  /** Give every block back (leaking those that cannot be made private again); EBUSY while buffers are live. */
  async shutdown(): Promise<Result<void>> {
    if (this.live.size) return fail('EBUSY', `shutdown: ${this.live.size} buffers of the shared pool are still in use`);
    this.ready = false;
    return this.releaseAll();
  }

  /** gen_pool_best_fit over every block: the smallest free run that holds `pages`; an exact fit ends the search. */
  private bestFitAcrossBlocks(pages: number, alignMask: number): { block: PoolBlock; index: number } | undefined {
    let best: { block: PoolBlock; index: number; run: number } | undefined;
    for (const block of this.blocks) {
      const size = block.map.length;
      if (size - block.used < pages) continue;
      const f = bestFit(block.map, size, pages, alignMask);
      if (f && (!best || f.run < best.run)) {
        best = { block, ...f };
        if (f.run === pages) break;
      }
    }
    return best;
  }

  /** atomic_pool_expand on demand: one block of the order that holds `pages`, within maxPoolBytes. */
  private grow(pages: number): Result<PoolBlock> {
    const o = this.options;
    if (!o.grow) return fail('ENOMEM', `alloc: no free run of ${pages} pages in the fixed ${this.poolBytes}-byte shared pool (grow: false)`);
    const order = blockOrderFor(pages * PAGE_SIZE);
    if (this.poolBytes + 2 ** order * PAGE_SIZE > o.maxPoolBytes) {
      return fail('ENOMEM', `alloc: growing the shared pool by an order-${order} block would pass maxPoolBytes (${o.maxPoolBytes}; ${this.poolBytes} held)`);
    }
    const b = expandPool(this.kernel, order, false);
    if (b.ok) this.blocks.push(b.value);
    return b;
  }

  /**
   * Lazy shrink: blocks grown after init that have held no buffer for
   * shrinkIdleMs go back to the page allocator. The kernel would run this from
   * delayed work; the Kernel API has none, so it runs at each alloc and free.
   * A block that cannot be made private again is leaked (counted) and the
   * caller's alloc or free still succeeds.
   */
  private shrinkIdle(): void {
    const ms = this.options.shrinkIdleMs;
    if (ms === null) return;
    const now = this.kernel.now();
    for (const b of this.blocks.filter((x) => !x.reserve && x.used === 0 && now - x.idleSince >= ms * NS_PER_MS)) {
      this.blocks.splice(this.blocks.indexOf(b), 1);
      const r = releaseBlock(this.kernel, b);
      if (!r.ok) this.kernel.printk(`shared pool: ${r.error.message}`);
    }
  }

  /** Release every block; the first failure is returned, the rest still run. */
  private releaseAll(): Result<void> {
    let first: Result<void> = ok();
    for (const b of this.blocks.splice(0)) {
      const r = releaseBlock(this.kernel, b);
      if (first.ok && !r.ok) first = r;
    }
    return first;
  }
}
