import type { Guest } from '../guest.js';
import type { Swiotlb } from './swiotlb.js';
import { fail, ok, type Result } from '../../../contract/errors.js';
import { setMemoryEnc } from '../mm/set-memory.js';
import { guestRead, guestWrite, guestZero } from '../mm/access.js';
import { DIRECT_MAP_BASE, MAX_PAGE_ORDER, PAGE_SIZE, getOrder, pageAddress, pfnUp } from '../../../abi/units.js';
import type { ZoneName, DmaDirection } from '../../../contract/kernel.js';


/** One pre-decrypted atomic pool (kernel/dma/pool.c): pages handed out first-fit, order aligned. */
interface AtomicPool {
  zone: ZoneName;
  pfn: number;
  pages: number;
  used: Uint8Array;
}

/**
 * dma-direct for a device in a TDX guest (kernel/dma/direct.c,
 * kernel/dma/pool.c, kernel/dma/swiotlb.c). force_dma_unencrypted() is true
 * and SWIOTLB_FORCE is set, so: streaming mappings bounce through SWIOTLB
 * with a copy each way; a blocking dma_alloc_coherent() takes fresh pages and
 * set_memory_decrypted()s them in the direct map (docs/model.md §1, the correction);
 * only a non-blocking one uses the atomic pool decrypted at boot.
 */
export class DmaDirect {
  private readonly pools: AtomicPool[] = [];
  private readonly coherent = new Map<number, { pfn: number; order: number; fromPool?: AtomicPool }>();
  constructor(
    private readonly m: Guest,
    private readonly swiotlb: Swiotlb,
  ) {}

  /** dma_atomic_pool_init(): 128 KiB per GiB of RAM (at most MAX_ORDER_NR_PAGES, at least 128 KiB) for the DMA, DMA32 and kernel pools. */
  atomicPoolInit(): void {
    const m = this.m;
    const pages = Math.min(Math.floor(m.mem.totalRamPages / ((1 << 30) / (128 << 10))), 2 ** MAX_PAGE_ORDER);
    const size = Math.max(pages * PAGE_SIZE, 128 << 10);
    for (const zone of ['DMA', 'DMA32', 'Normal'] as const) {
      // atomic_pool_expand(): order = min(get_order(size), MAX_PAGE_ORDER), smaller on failure.
      let order = Math.min(getOrder(size), MAX_PAGE_ORDER);
      let pfn: number | undefined;
      for (; order >= 0 && pfn === undefined; order--) pfn = m.pages.allocPages(order, zone);
      if (pfn === undefined) continue;
      order++;
      const r = setMemoryEnc(m, pageAddress(pfn), 2 ** order, false, true);
      if (!r.ok) throw new Error(`boot: decrypting the ${zone} atomic pool failed: ${r.error.message}`);
      this.pools.push({ zone, pfn, pages: 2 ** order, used: new Uint8Array(2 ** order) });
    }
  }

  /** Atomic pools: zone, first pfn, pages. */
  get atomicPools(): readonly { zone: ZoneName; pfn: number; pages: number }[] {
    return this.pools;
  }

  /** phys_to_dma_unencrypted(): the device address of a shared page carries the shared bit. */
  physToDma(pa: number): number {
    return pa + this.m.sharedBit;
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
    const m = this.m;
    const pa = dmaAddr - m.sharedBit;
    if (!this.swiotlb.contains(pa)) return fail('EINVAL', 'dma_unmap_single: not a SWIOTLB address');
    const orig = this.swiotlb.origOf(pa);
    let r: Result<void> = ok();
    if (dir !== 'to-device') r = this.bounce(DIRECT_MAP_BASE + pa, DIRECT_MAP_BASE + orig, size);
    this.swiotlb.releaseSlots(pa);
    return r;
  }

  /** dma_sync_single_for_cpu(): slot → kernel buffer. */
  syncForCpu(dmaAddr: number, offset: number, size: number): Result<void> {
    const pa = dmaAddr - this.m.sharedBit + offset;
    return this.bounce(DIRECT_MAP_BASE + pa, DIRECT_MAP_BASE + this.swiotlb.origOf(dmaAddr - this.m.sharedBit) + offset, size);
  }

  /** dma_sync_single_for_device(): kernel buffer → slot. */
  syncForDevice(dmaAddr: number, offset: number, size: number): Result<void> {
    const pa = dmaAddr - this.m.sharedBit + offset;
    return this.bounce(DIRECT_MAP_BASE + this.swiotlb.origOf(dmaAddr - this.m.sharedBit) + offset, DIRECT_MAP_BASE + pa, size);
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
      const pool = this.pools.find((p) => p.zone === 'Normal') ?? this.pools[this.pools.length - 1];
      const idx = pool ? firstFitOrderAlign(pool.used, 2 ** order) : -1;
      if (!pool || idx < 0) return fail('ENOMEM', `dma_alloc_from_pool: atomic pool has no ${size} bytes free`);
      pool.used.fill(1, idx, idx + 2 ** order);
      const pfn = pool.pfn + idx;
      this.coherent.set(pfn, { pfn, order, fromPool: pool });
      const z = guestZero(m, pageAddress(pfn), size);
      if (!z.ok) return z;
      return ok({ kva: pageAddress(pfn), dmaAddr: this.physToDma(pfn * PAGE_SIZE) });
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
    if (a.fromPool) {
      a.fromPool.used.fill(0, pfn - a.fromPool.pfn, pfn - a.fromPool.pfn + 2 ** a.order);
      return ok();
    }
    const r = setMemoryEnc(m, kva, pfnUp(size), true, true);
    if (!r.ok) {
      // "leaking DMA memory that can't be re-encrypted"
      m.dmesg.push('leaking DMA memory that can\'t be re-encrypted');
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
    m.sched.charge(size / m.cost.bounceBytesPerNs / (contended ? m.cost.swiotlbSingleLockFactor : 1));
    const data = guestRead(m, fromKva, size);
    if (!data.ok) return data;
    return guestWrite(m, toKva, data.value);
  }
}

/** gen_pool_first_fit_order_align: the first free run of `n` pages aligned to `n`'s power of two. */
function firstFitOrderAlign(used: Uint8Array, n: number): number {
  for (let i = 0; i + n <= used.length; i += n) {
    let free = true;
    for (let j = i; j < i + n && free; j++) if (used[j]) free = false;
    if (free) return i;
  }
  return -1;
}
