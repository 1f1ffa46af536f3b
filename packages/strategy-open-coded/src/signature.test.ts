import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { costOf, signatureOf } from '@tdx-shbuf/conformance';

/*
 * Cost signature of ONE 8 KiB request (init + alloc + the request + free;
 * deltas from right before init) on a fresh 16 GiB, 8-vCPU guest.
 *
 * preallocateBytes 0 — init does nothing; then
 *   alloc: alloc_pages(order 1); vmap(pgprot_decrypted); clflush_cache_range(8 KiB) = 128 lines;
 *          MapGPA(shared) with the open-coded protocol: 1 call (one chunk, no RETRY), 2 pages → shared.
 *          No PTE changes (the vmap is created decrypted, the direct map left alone), so no TLB
 *          flush and no IPI; no set_memory_*: no vm_unmap_aliases, no split.
 *   free:  MapGPA(private): 1 call, 2 pages → private; ACCEPT as tdx_accept_memory does: 8 KiB is
 *          shorter than 1G and 2M → 2 × 4K; the VMM flushes on shared→private, the guest does not;
 *          vunmap is lazy.
 *   The buffer's page at 4 GiB + 2 MiB + 16 KiB follows a page of another owner (free, at + 12 KiB)
 *   whose direct-map alias is private → one load_unaligned_zeropad hazard.
 *   kexec: the direct map is never changed, so the 2 shared pages are invisible to tdx_kexec_finish()
 *   — and to nr_shared, which only the set_memory hooks keep → kexecUnsafeSharedPagesPeak 2.
 *   Unaccepted memory: the request takes 2 pages of the 131 boot left above the promo watermark → no block.
 *   Time (docs/model.md §8 defaults, ns): clflush 2 × 90 = 180; MapGPA 4000 + host SEPT teardown
 *   2 × (17500 + 7 × 2150) = 65100; back: MapGPA 4000 + zap 4000 and its remote flush's 7 kicks × 2150
 *   + accept 2 × 2500 = 28050 → 97330, the cheapest per-request conversion: no guest shootdown at all.
 * preallocateBytes 16384 — init converts the 4-page default buffer (256 lines, 1 MapGPA, no flush);
 *   the 8 KiB request reuses it and converts nothing, nor does free; its 4 pages stay shared behind
 *   private direct-map PTEs → kexecUnsafeSharedPagesPeak 4.
 *   Time: clflush 4 × 90 = 360 + MapGPA 4000 + host 4 × 32550 = 130200 → 134560.
 * tlbFlush: true (Kirill's "flush TLB") adds flush_tlb_kernel_range over the 2 direct-map pages:
 *   16 INVLPG, 7 IPIs, one ICR-write exit, 6975 + 1825 + 200 = 9000 ns → 106330.
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
      tlbFlushPages: 0,
      tlbFlushFull: 0,
      ipis: 0,
      ipiSendExits: 0,
      cacheLinesFlushed: 128,
      bytesBounced: 0,
      acceptMemoryBlocks: 0,
      kexecUnsafeSharedPagesPeak: 2,
      hazardUnalignedZeropad: 1,
    });
    expect(await costOf(strategy)).toEqual({ ns: 97_330, workNs: 97_330, phases: { nsCacheFlush: 180, nsMapGpa: 8_000, nsHost: 84_150, nsAccept: 5_000 } });
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
      tlbFlushPages: 0,
      tlbFlushFull: 0,
      ipis: 0,
      ipiSendExits: 0,
      cacheLinesFlushed: 256,
      bytesBounced: 0,
      acceptMemoryBlocks: 0,
      kexecUnsafeSharedPagesPeak: 4,
      hazardUnalignedZeropad: 1,
    });
    expect(await costOf(strategy, { preallocateBytes: 16384 })).toEqual({ ns: 134_560, workNs: 134_560, phases: { nsCacheFlush: 360, nsMapGpa: 4_000, nsHost: 130_200 } });
  });

  it("tlbFlush: true (Kirill's variant) adds one shootdown of the direct-map alias", async () => {
    expect(await signatureOf(strategy, { tlbFlush: true })).toMatchObject({ tlbFlushPages: 16, tlbFlushFull: 0, ipis: 7, ipiSendExits: 1 });
    expect(await costOf(strategy, { tlbFlush: true })).toEqual({ ns: 106_330, workNs: 106_330, phases: { nsCacheFlush: 180, nsMapGpa: 8_000, nsHost: 84_150, nsAccept: 5_000, nsTlbIpi: 9_000 } });
  });
});
