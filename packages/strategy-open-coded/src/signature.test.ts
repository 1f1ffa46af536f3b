import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { signatureOf } from '@tdx-shbuf/conformance';

/*
 * Cost signature of ONE 8 KiB request (init + alloc + free; deltas from right
 * before init) on a fresh 16 GiB, 8-vCPU guest.
 *
 * preallocateBytes 0 — init does nothing; then
 *   alloc: alloc_pages(order 1); vmap(pgprot_decrypted); clflush_cache_range(8 KiB) = 128 lines;
 *          MapGPA(shared) with the open-coded protocol: 1 call (one chunk, no RETRY), 2 pages → shared;
 *          flush_tlb_kernel_range(8 KiB): 2 pages × 8 CPUs = 16 INVLPG, 7 IPIs.
 *          No set_memory_*: no vm_unmap_aliases, no cpa_flush pair, no direct-map change (no split).
 *   free:  MapGPA(private): 1 call, 2 pages → private; ACCEPT: 8 KiB is not a 2M piece → 2 × 4K;
 *          the VMM flushes on shared→private, the guest does not; vunmap is lazy.
 *   The buffer's page at 4 GiB + 2 MiB + 16 KiB follows a page of another owner (free, at + 12 KiB)
 *   whose direct-map alias is private → one load_unaligned_zeropad hazard.
 *   kexec: the direct map is never changed, so the 2 shared pages are invisible to tdx_kexec_finish()
 *   — and to nr_shared, which only the set_memory hooks keep → kexecUnsafeSharedPagesPeak 2.
 *   Unaccepted memory: the request takes 2 pages of the 131 boot left above the promo watermark → no block.
 * preallocateBytes 16384 — init converts the 4-page default buffer (256 lines, 1 MapGPA,
 *   4 × 8 = 32 INVLPG, 7 IPIs); the 8 KiB request reuses it and converts nothing, nor does free;
 *   its 4 pages stay shared behind private direct-map PTEs → kexecUnsafeSharedPagesPeak 4.
 */
describe('cost signature of one 8 KiB request', () => {
  it('per request', async () => {
    expect(await signatureOf(strategy)).toEqual({
      directMapLevel3Splits: 0,
      directMapLevel2Splits: 0,
      pagesConvertedToShared: 2,
      pagesConvertedToPrivate: 2,
      mapGpaCalls: 2,
      accepts4k: 2,
      accepts2m: 0,
      tlbFlushPages: 16,
      tlbFlushFull: 0,
      ipis: 7,
      cacheLinesFlushed: 128,
      bytesBounced: 0,
      acceptMemoryBlocks: 0,
      kexecUnsafeSharedPagesPeak: 2,
      hazardUnalignedZeropad: 1,
    });
  });

  it('preallocateBytes: 16384 (the default buffer converted at init is reused)', async () => {
    expect(await signatureOf(strategy, { preallocateBytes: 16384 })).toEqual({
      directMapLevel3Splits: 0,
      directMapLevel2Splits: 0,
      pagesConvertedToShared: 4,
      pagesConvertedToPrivate: 0,
      mapGpaCalls: 1,
      accepts4k: 0,
      accepts2m: 0,
      tlbFlushPages: 32,
      tlbFlushFull: 0,
      ipis: 7,
      cacheLinesFlushed: 256,
      bytesBounced: 0,
      acceptMemoryBlocks: 0,
      kexecUnsafeSharedPagesPeak: 4,
      hazardUnalignedZeropad: 1,
    });
  });
});
