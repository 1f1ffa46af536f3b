import type { Guest } from '../guest.js';
import type { Swiotlb } from './swiotlb.js';
import { fail, ok, type Result } from '../../../contract/errors.js';
import { setMemoryEnc } from '../mm/set-memory.js';
import { guestRead, guestWrite, guestZero } from '../mm/access.js';
import { DIRECT_MAP_BASE, MAX_PAGE_ORDER, PAGE_SIZE, getOrder, pageAddress, pfnUp } from '../../../abi/units.js';
import type { ZoneName, DmaDirection } from '../../../contract/kernel.js';

/** A chunk of a gen_pool (lib/genalloc.c): its pages and a bitmap of pages in use (min_alloc_order = PAGE_SHIFT). */
interface PoolChunk {
  readonly pfn: number;
  readonly pages: number;
  readonly used: Uint8Array;
}

/** One DMA atomic pool (kernel/dma/pool.c): a gen_pool of decrypted chunks; atomic_pool_expand() adds one. */
interface AtomicPool {
  readonly zone: ZoneName;
  /** Newest first: gen_pool_add_owner() list_add()s a chunk at the head, gen_pool_alloc() walks from it. */
  readonly chunks: PoolChunk[];
}

/** Where a coherent allocation came from: pages of its own, or `nr` pages of a pool chunk. */
type Coherent = { readonly pfn: number; readonly order: number } | { readonly pfn: number; readonly pool: AtomicPool; readonly chunk: PoolChunk; readonly nr: number };

const avail = (p: AtomicPool) => p.chunks.reduce((n, c) => n + c.used.reduce((f, u) => f + (u ? 0 : 1), 0), 0);
const size = (p: AtomicPool) => p.chunks.reduce((n, c) => n + c.pages, 0);

/**
 * dma-direct for a device in a TDX guest (kernel/dma/direct.c,
 * kernel/dma/pool.c, kernel/dma/swiotlb.c). force_dma_unencrypted() is true
 * and SWIOTLB_FORCE is set, so: streaming mappings bounce through SWIOTLB
 * with a copy each way; a blocking dma_alloc_coherent() takes fresh pages and
 * set_memory_decrypted()s them in the direct map (docs/model.md §1, the correction);
 * a non-blocking one takes pages of an atomic pool, decrypted at boot and
 * grown by a kworker when it runs low (docs/model.md §4).
 */
export class DmaDirect {
  /** In dma_atomic_pool_init() order: kernel (ZONE_NORMAL), DMA, DMA32. */
  private readonly pools: AtomicPool[] = [];
  private readonly coherent = new Map<number, Coherent>();
  /** atomic_pool_size in pages: 128 KiB per GiB of RAM, at least 128 KiB, at most MAX_ORDER_NR_PAGES. */
  private poolPages = 0;
  constructor(
    private readonly m: Guest,
    private readonly swiotlb: Swiotlb,
  ) {}

  /**
   * dma_atomic_pool_init(): atomic_pool_size, then __dma_atomic_pool_init() for
   * the kernel pool, the DMA pool and the DMA32 pool, each of a zone that has
   * memory (has_managed_zone): gen_pool_first_fit_order_align with
   * min_alloc_order PAGE_SHIFT, filled by atomic_pool_expand(atomic_pool_size).
   */
  atomicPoolInit(): void {
    const m = this.m;
    const pages = Math.min(Math.floor(m.mem.totalRamPages / ((1 << 30) / (128 << 10))), 2 ** MAX_PAGE_ORDER);
    this.poolPages = Math.max(pages * PAGE_SIZE, 128 << 10) / PAGE_SIZE;
    for (const zone of ['Normal', 'DMA', 'DMA32'] as const) {
      if (!this.zoneHasMemory(zone)) continue;
      const pool: AtomicPool = { zone, chunks: [] };
      // __dma_atomic_pool_init(): a pool that cannot be filled is destroyed, with the kernel's message
      if (this.atomicPoolExpand(pool, this.poolPages) === 'ok') this.pools.push(pool);
      else m.dmesg.push(`DMA: failed to allocate ${this.poolPages * 4} KiB ${zone} pool for atomic allocation`);
    }
  }

  /** Atomic pool chunks: zone, first pfn, pages (the boot chunks, then any added since). */
  get atomicPools(): readonly { zone: ZoneName; pfn: number; pages: number }[] {
    return this.pools.flatMap((p) => [...p.chunks].reverse().map((c) => ({ zone: p.zone, pfn: c.pfn, pages: c.pages })));
  }

  private zoneHasMemory(zone: ZoneName): boolean {
    const z = this.m.pages.zones.find((x) => x.name === zone)!;
    return this.m.mem.ram.some((r) => r.startPfn < z.endPfn && r.endPfn > z.startPfn);
  }

  /**
   * atomic_pool_expand(pool, pool_size, gfp): alloc_pages of
   * min(get_order(pool_size), MAX_PAGE_ORDER), smaller orders when that fails;
   * set_memory_decrypted() of the block (a failure leaks it: "the pools do not
   * shrink so no re-encryption occurs"); gen_pool_add of the chunk.
   */
  private atomicPoolExpand(pool: AtomicPool, pages: number): 'ok' | 'enomem' | 'leaked' {
    const m = this.m;
    let order = Math.min(getOrder(pages * PAGE_SIZE), MAX_PAGE_ORDER);
    let pfn: number | undefined;
    for (; order >= 0 && pfn === undefined; order--) pfn = m.pages.allocPages(order, pool.zone);
    if (pfn === undefined) return 'enomem';
    order++;
    const r = setMemoryEnc(m, pageAddress(pfn), 2 ** order, false, true);
    if (!r.ok) {
      m.pages.leak(pfn, 2 ** order);
      return 'leaked';
    }
    pool.chunks.unshift({ pfn, pages: 2 ** order, used: new Uint8Array(2 ** order) });
    return 'ok';
  }

  /**
   * atomic_pool_work_fn(), on a kworker: atomic_pool_resize() of the DMA, DMA32
   * and kernel pools — each whose free space is below atomic_pool_size grows
   * by its current size (atomic_pool_expand(pool, gen_pool_size(pool))).
   */
  private atomicPoolWork(): void {
    for (const zone of ['DMA', 'DMA32', 'Normal'] as const) {
      const pool = this.pools.find((p) => p.zone === zone);
      if (!pool || avail(pool) >= this.poolPages) continue;
      this.m.counters.atomicPoolExpansions++;
      this.atomicPoolExpand(pool, size(pool));
    }
  }

  /**
   * dma_alloc_from_pool(): the pools in dma_guess_pool() order for a
   * GFP_KERNEL-zone device (kernel → DMA32 → DMA); in each, gen_pool_alloc of
   * ⌈size / 4 KiB⌉ pages aligned to the next power of two; when the pool's
   * free space drops below atomic_pool_size, schedule_work(&atomic_pool_work);
   * memset(0).
   */
  private allocFromPool(bytes: number): Result<number> {
    const nr = pfnUp(bytes);
    for (const zone of ['Normal', 'DMA32', 'DMA'] as const) {
      const pool = this.pools.find((p) => p.zone === zone);
      if (!pool) continue;
      for (const chunk of pool.chunks) {
        const idx = firstFitOrderAlign(chunk.used, nr);
        if (idx < 0) continue;
        chunk.used.fill(1, idx, idx + nr);
        const pfn = chunk.pfn + idx;
        this.coherent.set(pfn, { pfn, pool, chunk, nr });
        if (avail(pool) < this.poolPages) this.m.workqueue.schedule('atomic_pool_work', () => this.atomicPoolWork());
        const z = guestZero(this.m, pageAddress(pfn), bytes);
        return z.ok ? ok(pfn) : z;
      }
    }
    this.m.dmesg.push('DMA pool exhausted for tdx-shbuf');
    return fail('ENOMEM', `dma_alloc_from_pool: no atomic pool has ${nr} free pages`);
  }

  /**
   * phys_to_dma_unencrypted() = __phys_to_dma() on x86: a TDX device address
   * carries no shared bit (only the GPA a TDVMCALL takes is cc_mkdec()ed).
   */
  physToDma(pa: number): number {
    return pa;
  }

  /** dma_map_single() → dma_direct_map_page → swiotlb_map: bounce to a slot (always copies). */
  mapSingle(kva: number, size: number, dir: DmaDirection): Result<number> {
    const m = this.m;
    const t0 = m.trace?.begin() ?? 0;
    const r = this.mapSingleInner(kva, size, dir);
    m.trace?.end(t0, 'dma_map_single', 'dma', { size, ok: r.ok });
    return r;
  }

  private mapSingleInner(kva: number, size: number, dir: DmaDirection): Result<number> {
    const m = this.m;
    if (kva < DIRECT_MAP_BASE) return fail('EINVAL', 'dma_map_single: not a direct-map address');
    const origPa = kva - DIRECT_MAP_BASE;
    const slot = this.swiotlb.findSlots(origPa, size);
    if ('error' in slot) {
      m.counters.swiotlbFull++;
      m.dmesg.push(slot.error);
      return fail('ENOMEM', `DMA_MAPPING_ERROR: ${slot.error}`);
    }
    m.counters.swiotlbMaps++;
    void dir; // swiotlb_tbl_map_single bounces DMA_TO_DEVICE whatever the direction
    const r = this.bounce(kva, DIRECT_MAP_BASE + slot.pa, size);
    if (!r.ok) return r;
    return ok(this.physToDma(slot.pa));
  }

  /** dma_unmap_single() → swiotlb_tbl_unmap_single: copy back for FROM_DEVICE/BIDIRECTIONAL, release the slots. */
  unmapSingle(dmaAddr: number, size: number, dir: DmaDirection): Result<void> {
    const pa = dmaAddr;
    if (!this.swiotlb.contains(pa)) return fail('EINVAL', 'dma_unmap_single: not a SWIOTLB address');
    const orig = this.swiotlb.origOf(pa);
    let r: Result<void> = ok();
    if (dir !== 'to-device') r = this.bounce(DIRECT_MAP_BASE + pa, DIRECT_MAP_BASE + orig, size);
    this.swiotlb.releaseSlots(pa);
    return r;
  }

  /** dma_sync_single_for_cpu(): slot → kernel buffer. */
  syncForCpu(dmaAddr: number, offset: number, size: number): Result<void> {
    return this.bounce(DIRECT_MAP_BASE + dmaAddr + offset, DIRECT_MAP_BASE + this.swiotlb.origOf(dmaAddr) + offset, size);
  }

  /** dma_sync_single_for_device(): kernel buffer → slot. */
  syncForDevice(dmaAddr: number, offset: number, size: number): Result<void> {
    return this.bounce(DIRECT_MAP_BASE + this.swiotlb.origOf(dmaAddr) + offset, DIRECT_MAP_BASE + dmaAddr + offset, size);
  }

  /**
   * dma_alloc_coherent() → dma_direct_alloc. Blocking: alloc_pages(get_order(size)),
   * dma_set_decrypted() = set_memory_decrypted(PFN_UP(size)) on the direct map
   * (failure leaks the pages: out_leak_pages), memset 0. Non-blocking: the atomic pool.
   */
  allocCoherent(size: number, blocking: boolean): Result<{ kva: number; dmaAddr: number }> {
    const m = this.m;
    if (size <= 0) return fail('EINVAL', 'dma_alloc_coherent: size 0');
    const order = getOrder(size);
    if (!blocking) {
      // dma_direct_alloc → dma_direct_alloc_from_pool (force_dma_unencrypted, !gfpflags_allow_blocking)
      const p = this.allocFromPool(size);
      return p.ok ? ok({ kva: pageAddress(p.value), dmaAddr: this.physToDma(p.value * PAGE_SIZE) }) : p;
    }
    if (order > MAX_PAGE_ORDER) return fail('ENOMEM', `dma_alloc_coherent: ${size} bytes exceed MAX_PAGE_ORDER`);
    const pfn = m.pages.allocPages(order, 'Normal');
    if (pfn === undefined) return fail('ENOMEM', `dma_alloc_coherent: no order-${order} block`);
    const kva = pageAddress(pfn);
    const r = setMemoryEnc(m, kva, pfnUp(size), false, true);
    if (!r.ok) {
      // out_leak_pages: dma_direct_alloc cannot tell how far the conversion got, so any
      // failure of dma_set_decrypted() leaks the pages (counted, never reused) — even an
      // ENOMEM from split_large_page, where the PTEs of earlier large pages may have changed.
      m.pages.leak(pfn, 2 ** order);
      return fail(r.error.code === 'ENOMEM' ? 'ENOMEM' : 'EIO', `dma_alloc_coherent: set_memory_decrypted failed (${r.error.code}), ${2 ** order} pages leaked`, r.error);
    }
    this.coherent.set(pfn, { pfn, order });
    const z = guestZero(m, kva, size);
    if (!z.ok) return z;
    return ok({ kva, dmaAddr: this.physToDma(pfn * PAGE_SIZE) });
  }

  /** dma_free_coherent() → dma_direct_free: back to the pool, or set_memory_encrypted + __free_pages; leak on failure. */
  freeCoherent(kva: number, size: number): Result<void> {
    const m = this.m;
    const pfn = (kva - DIRECT_MAP_BASE) / PAGE_SIZE;
    const a = this.coherent.get(pfn);
    if (!a) return fail('EINVAL', 'dma_free_coherent: not a coherent allocation');
    this.coherent.delete(pfn);
    if ('chunk' in a) {
      // dma_free_from_pool → gen_pool_free: back to its chunk; the pool never shrinks
      a.chunk.used.fill(0, pfn - a.chunk.pfn, pfn - a.chunk.pfn + a.nr);
      return ok();
    }
    const r = setMemoryEnc(m, kva, pfnUp(size), true, true);
    if (!r.ok) {
      // "leaking DMA memory that can't be re-encrypted"
      m.dmesg.push("leaking DMA memory that can't be re-encrypted");
      m.pages.leak(pfn, 2 ** a.order);
      return fail('EIO', `dma_free_coherent: set_memory_encrypted failed, ${2 ** a.order} pages leaked`, r.error);
    }
    m.pages.freePages(pfn, a.order);
    return ok();
  }

  /**
   * swiotlb_bounce(): copy through kernel mappings, charged at the copy
   * bandwidth; with one lock area shared by several vCPUs the pool's
   * throughput is swiotlbSingleLockFactor of the per-CPU-area case (Tianyu
   * Lan 2022, docs/model.md §8) — a proxy applied to the copy time.
   */
  private bounce(fromKva: number, toKva: number, size: number): Result<void> {
    const m = this.m;
    m.counters.bytesBounced += size;
    const contended = this.swiotlb.nareas === 1 && m.config.vcpus > 1;
    m.sched.charge(size / m.cost.bounceBytesPerNs / (contended ? m.cost.swiotlbSingleLockFactor : 1), 'copy');
    const data = guestRead(m, fromKva, size);
    if (!data.ok) return data;
    return guestWrite(m, toKva, data.value);
  }
}

/** gen_pool_first_fit_order_align: the first free run of `n` pages starting at a multiple of roundup_pow_of_two(n). */
function firstFitOrderAlign(used: Uint8Array, n: number): number {
  const align = 2 ** Math.ceil(Math.log2(n));
  for (let i = 0; i + n <= used.length; i += align) {
    let free = true;
    for (let j = i; j < i + n && free; j++) if (used[j]) free = false;
    if (free) return i;
  }
  return -1;
}
