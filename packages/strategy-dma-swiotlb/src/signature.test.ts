import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { signatureOf } from '@tdx-shbuf/conformance';

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
  cacheLinesFlushed: 0,
  bytesBounced: 0,
  acceptMemoryBlocks: 0,
  kexecUnsafeSharedPagesPeak: 0,
  hazardUnalignedZeropad: 0,
};

/*
 * Cost signature of ONE 8 KiB request (init + alloc + free; deltas from right
 * before init) on a fresh 16 GiB, 8-vCPU guest. init does nothing in any mode.
 * No mode accepts unaccepted memory (coherent takes 2 pages + a page table of the
 * 131 boot left above ZONE_NORMAL's promo watermark; the others none), and every
 * shared page is shared through a decrypted direct-map PTE — SWIOTLB and the
 * atomic pools since boot, a coherent buffer by set_memory_decrypted — so
 * tdx_kexec_finish() would find them all: kexecUnsafeSharedPagesPeak 0.
 */
describe('cost signature of one 8 KiB request', () => {
  it('streaming: nothing converted after boot; dma_map_single copies 8 KiB into the slot, dma_unmap_single(BIDIRECTIONAL) copies 8 KiB back', async () => {
    expect(await signatureOf(strategy, { mode: 'streaming' })).toEqual({ ...none, bytesBounced: 2 * 8192 });
  });

  /*
   * coherent: dma_direct_alloc → alloc_pages(order 1) at 4 GiB + 2 MiB + 16 KiB (an intact 2M page of
   * the Normal zone's first GiB, already split to 2M at boot by the atomic pool) → dma_set_decrypted =
   * set_memory_decrypted(2 pages) on the direct map: one level-2 split (8 full flushes, 7 IPIs),
   * cpa_flush before (16 INVLPG + 128 cache lines, 7 IPIs) and after (16 INVLPG, 7 IPIs), MapGPA(shared).
   * dma_direct_free → set_memory_encrypted: MapGPA(private), 2 × 4K accepts, cpa_flush (16 INVLPG, 7 IPIs).
   * Identical to the direct-map strategy with convert: "per-request" — because it is the same kernel path.
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
      cacheLinesFlushed: 128,
    });
  });

  it('atomic: a chunk of the pool decrypted at boot; only the memset(0) of dma_alloc_coherent remains', async () => {
    expect(await signatureOf(strategy, { mode: 'atomic' })).toEqual(none);
  });
});
