import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { must, signatureOf, strategyRig } from '@tdx-shbuf/conformance';

/*
 * Cost signature of ONE 8 KiB quote request (init + alloc + free; deltas from
 * right before init) on a fresh 16 GiB, 8-vCPU guest. The mechanism, so the
 * numbers can be re-derived when the cost model changes:
 *
 * Where the block lands: boot decrypted the ZONE_NORMAL atomic pool, which
 * split the first 1G page of the Normal zone into 2M pages; alloc_pages(order 9)
 * returns a free 2 MiB block of that same GiB (naturally aligned).
 *
 * init: set_memory_decrypted(block, 512) (__set_memory_enc_pgtable):
 *   cpa_flush before (tdx_tlb_flush_required(shared)): 512 pages > tlb_single_page_flush_ceiling (33)
 *     → flush_tlb_all(): 8 full flushes, 7 IPIs; clflush of 512 pages = 512 × 4096 / 64 = 32768 lines
 *   __change_page_attr: the request covers its 2M page whole, so __should_split_large_page keeps it:
 *     no 2M split; the 1G around it is already split (in an intact 1G page: one 1G split, see growth.test.ts)
 *   cpa_flush after: again a full flush, 8 + 7 IPIs
 *   enc_status_change_finish → MapGPA(shared) of 2 MiB: 1 call (one 2 MiB chunk); KVM removes 512 private
 *     4K pages (BLOCK, TRACK + kick of every vCPU, REMOVE each: 512 × hostTeardownPer4kNs)
 * alloc(8 KiB): best fit in the block's bitmap — no platform work.
 * free: memset(0) of 8 KiB through the shared mapping (bytesZeroed 8192, charged at bounceBytesPerNs).
 * Every later request costs only that memset: the pool stays shared until shutdown.
 *
 * Modeled time at the defaults: 512 × 17.5 µs teardown (8960) + 512 × 90 ns clflushopt (46.1)
 * + 2 × (3.3 + 2.15 IPI + 3.3) flush_tlb_all (17.5) + one TDVMCALL (4) + 0.8 memset = 9028.4 µs.
 */
describe('cost signature of one 8 KiB request', () => {
  it('default: one 2 MiB block decrypted at init, no split; the request itself converts nothing', async () => {
    expect(await signatureOf(strategy)).toEqual({
      directMapLevel3Splits: 0,
      directMapLevel2Splits: 0,
      pagesConvertedToShared: 512,
      pagesConvertedToPrivate: 0, // the block stays shared until shutdown
      mapGpaCalls: 1,
      accepts4k: 0,
      accepts2m: 0,
      tlbFlushPages: 0, // both cpa_flushes are above the ceiling: full flushes
      tlbFlushFull: 16,
      ipis: 14,
      cacheLinesFlushed: 32768,
      bytesBounced: 0,
      hazardUnalignedZeropad: 0, // the direct map itself is decrypted: no private alias
    });
  });

  /*
   * shrinkIdleMs: 0, initialBlocks: 0 — the block is grown by the alloc and given back by the free:
   * the init costs above, plus set_memory_encrypted(block, 512): no flush before (the VMM flushes on
   * shared→private); MapGPA(private): 1 call, 512 pages → private (the host zaps the shared EPT);
   * tdx_accept_memory: one 2M TDG.MEM.PAGE.ACCEPT answered TDX_PAGE_SIZE_MISMATCH (the host maps private
   * memory at 4K), then 512 × 4K accepts (lazy AUG + accept each); cpa_flush after: full flush, 8 + 7 IPIs.
   */
  it('shrinkIdleMs: 0, initialBlocks: 0 — a whole block converted and given back per request', async () => {
    expect(await signatureOf(strategy, { shrinkIdleMs: 0, initialBlocks: 0 })).toEqual({
      directMapLevel3Splits: 0,
      directMapLevel2Splits: 0,
      pagesConvertedToShared: 512,
      pagesConvertedToPrivate: 512,
      mapGpaCalls: 2,
      accepts4k: 512,
      accepts2m: 0,
      tlbFlushPages: 0,
      tlbFlushFull: 24,
      ipis: 21,
      cacheLinesFlushed: 32768,
      bytesBounced: 0,
      hazardUnalignedZeropad: 0,
    });
  });

  it('after init, a hundred requests of any size up to the block convert, flush and split nothing', async () => {
    const r = strategyRig(strategy);
    must(await r.a.init());
    const d = r.mark();
    for (let i = 0; i < 100; i++) must(await r.a.free(must(await r.a.alloc(4096 * (1 + (i % 64))))));
    expect(d()).toMatchObject({ pagesConvertedToShared: 0, pagesConvertedToPrivate: 0, mapGpaCalls: 0, tlbFlushFull: 0, tlbFlushPages: 0, ipis: 0, directMapLevel2Splits: 0, directMapLevel3Splits: 0 });
  });
});
