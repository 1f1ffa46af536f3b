import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { costOf, signatureOf } from '@tdx-shbuf/conformance';

const none = {
  directMapLevel3Splits: 0,
  directMapLevel2Splits: 0,
  pagesConvertedToShared: 0,
  pagesConvertedToPrivate: 0,
  mapGpaCalls: 0,
  accepts4k: 0,
  accepts2m: 0,
  tlbFlushPages: 0,
  tlbFlushFull: 0,
  ipis: 0,
  ipiSendExits: 0,
  cacheLinesFlushed: 0,
  bytesBounced: 0,
  acceptMemoryBlocks: 0,
  kexecUnsafeSharedPagesPeak: 0,
  hazardUnalignedZeropad: 0,
};

/*
 * Cost signature of ONE 8 KiB request (init + alloc + the request + free;
 * deltas from right before init) on a fresh 16 GiB, 8-vCPU guest. init does
 * nothing in any mode. Every shared page is shared through a decrypted
 * direct-map PTE — SWIOTLB and the atomic pools since boot, a coherent buffer
 * by set_memory_decrypted — so tdx_kexec_finish() would find them all:
 * kexecUnsafeSharedPagesPeak 0.
 * Time: docs/model.md §8 defaults, ns (memset and bounce at 10 B/ns: 8192 B → 819.2).
 */
describe('cost signature of one 8 KiB request', () => {
  /*
   * streaming: alloc_pages_exact(__GFP_ZERO) 819.2; the driver writes its request, then
   * dma_map_single(DMA_BIDIRECTIONAL) copies 8 KiB into the slot (819.2) — the map comes after
   * the write, so it is the request's only copy in; dma_unmap_single copies 8 KiB back (819.2).
   * 8 areas for 8 vCPUs: no single-lock slowdown. 3 × 819.2 = 2457.6.
   */
  it('streaming: nothing converted after boot; the map after the write copies 8 KiB in, the unmap 8 KiB back', async () => {
    expect(await signatureOf(strategy, { mode: 'streaming' })).toEqual({ ...none, bytesBounced: 2 * 8192 });
    expect(await costOf(strategy, { mode: 'streaming' })).toEqual({ ns: 2_457.6, workNs: 2_457.6, phases: { nsCopy: 2_457.6 } });
  });

  /*
   * coherent: dma_direct_alloc → alloc_pages(order 1) at 4 GiB + 2 MiB + 16 KiB (an intact 2M page of
   * the Normal zone's first GiB, already split to 2M at boot by the kernel atomic pool) → dma_set_decrypted =
   * set_memory_decrypted(2 pages) on the direct map: one level-2 split (8 full flushes, 7 IPIs),
   * cpa_flush before (16 INVLPG + 128 cache lines, 7 IPIs) and after (16 INVLPG, 7 IPIs), MapGPA(shared);
   * memset 8 KiB. dma_direct_free → set_memory_encrypted: MapGPA(private), 2 × 4K accepts,
   * cpa_flush (16 INVLPG, 7 IPIs). Identical to the direct-map strategy with convert: "per-request" —
   * because it is the same kernel path: 99380 + 819.2 + 37050 = 137249.2 ns (see its signature).
   */
  it('coherent: the direct-map conversion of the v5 patch, per allocation', async () => {
    expect(await signatureOf(strategy, { mode: 'coherent' })).toEqual({
      ...none,
      directMapLevel2Splits: 1,
      pagesConvertedToShared: 2,
      pagesConvertedToPrivate: 2,
      mapGpaCalls: 2,
      accepts4k: 2,
      tlbFlushPages: 48,
      tlbFlushFull: 8,
      ipis: 28,
      ipiSendExits: 4,
      cacheLinesFlushed: 128,
    });
    expect((await costOf(strategy, { mode: 'coherent' })).ns).toBe(137_249.2);
  });

  /*
   * atomic: dma_alloc_from_pool takes 2 pages of the kernel pool (2 MiB = atomic_pool_size on 16 GiB)
   * and memsets them (819.2 on the requester). 510 free pages < 512: schedule_work(&atomic_pool_work).
   * While the request waits for the host the kworker runs atomic_pool_work_fn: the DMA and DMA32 pools
   * are full, the kernel pool grows by gen_pool_size = 2 MiB: atomic_pool_expand → alloc_pages(GFP_KERNEL,
   * order 9). get_page_from_freelist → cond_accept_memory(ZONE_NORMAL, 9): boot left 131 free pages
   * above the promo watermark, and an order-9 request cannot use 511 of them, so to_accept =
   * 511 − 131 = 380 > 0 → try_to_accept_memory_one() takes the lowest unaccepted block,
   * [4 GiB + 60 MiB, + 64 MiB) (boot accepted 15), and accept_memory(block, block + 4 MiB): its first
   * unit was already accepted as the previous block's guard, so units 31 and 32 (block + 2 MiB and the
   * new guard unit) → tdx_accept_memory of 4 MiB: per 2 MiB a 2M TDG.MEM.PAGE.ACCEPT that upstream KVM's
   * 4K mapping answers TDX_PAGE_SIZE_MISMATCH, then 512 × 4K → 1024 accepts4k, 1 block.
   * The order-9 block is a whole 2M page of the first Normal GiB (split to 2M at boot): no split.
   * set_memory_decrypted(512 pages): cpa_flush before is a full flush (512 > 33 pages: 8 full, 7 IPIs)
   * with 512 × 64 = 32768 cache lines, the flush after another full flush (8, 7 IPIs), MapGPA(shared)
   * of one 2 MiB chunk, 512 pages → shared. The pool never shrinks: free converts nothing.
   * kworker time: accept 1024 × 2500 + 2 failed 2M ACCEPTs × 700 (tdcallNs) = 2561400
   *   + full shootdowns 2 × (8800 + 3300) = 24200 + clflush 512 × 90 = 46080
   *   + MapGPA 4000 + host 512 × 32550 = 16665600 → 19301280; all work 19302099.2.
   */
  it('atomic: a chunk of the pool decrypted at boot; the pool then grows by 2 MiB on a kworker, accepting a block first', async () => {
    expect(await signatureOf(strategy, { mode: 'atomic' })).toEqual({
      ...none,
      pagesConvertedToShared: 512,
      mapGpaCalls: 1,
      accepts4k: 1024, // the first-touch accept of the block the growth took, on the kworker
      tlbFlushFull: 16,
      ipis: 14,
      ipiSendExits: 2,
      cacheLinesFlushed: 32768,
      acceptMemoryBlocks: 1,
    });
    expect(await costOf(strategy, { mode: 'atomic' })).toEqual({
      ns: 819.2,
      workNs: 19_302_099.2,
      phases: { nsCopy: 819.2, nsAccept: 2_561_400, nsTlbIpi: 24_200, nsCacheFlush: 46_080, nsMapGpa: 4_000, nsHost: 16_665_600 },
    });
  });
});
