import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { costOf, must, signatureOf, strategyRig } from '@tdx-shbuf/conformance';

/*
 * Cost signature of ONE 8 KiB quote request (init + alloc + the request + free;
 * deltas from right before init) on a fresh 16 GiB, 8-vCPU guest. The
 * mechanism, so the numbers can be re-derived when the cost model changes:
 *
 * Where the block lands: boot decrypted the ZONE_NORMAL atomic pool, which
 * split the first 1G page of the Normal zone into 2M pages, and accepted the
 * first 15 unaccepted 4 MiB blocks of ZONE_NORMAL ([4 GiB, 4 GiB + 60 MiB) and
 * the guard unit after them), leaving the zone 131 free pages above its promo
 * watermark.
 *
 * init: alloc_pages(GFP_KERNEL, order 9) → get_page_from_freelist →
 *   cond_accept_memory(ZONE_NORMAL, 9): to_accept = promo − (free − 511) =
 *   511 − 131 = 380 > 0 → try_to_accept_memory_one(): the lowest unaccepted
 *   block [4 GiB + 60 MiB, + 64 MiB); accept_memory(block, block + 4 MiB) takes
 *   the units not yet accepted — block + 2 MiB and the guard unit after the
 *   block (its first unit was the previous block's guard) — 4 MiB through
 *   tdx_accept_memory: per 2 MiB one 2M TDG.MEM.PAGE.ACCEPT that upstream KVM's
 *   4K private mapping answers TDX_PAGE_SIZE_MISMATCH, then 512 × 4K
 *   → 1024 accepts4k, acceptMemoryBlocks 1. The block is freed to the tail at
 *   MAX_PAGE_ORDER; the order-9 block returned is naturally aligned in the same,
 *   already-split GiB.
 *   set_memory_decrypted(block, 512) (__set_memory_enc_pgtable):
 *   cpa_flush before (tdx_tlb_flush_required(shared)): 512 pages > tlb_single_page_flush_ceiling (33)
 *     → flush_tlb_all(): 8 full flushes, 7 IPIs, one ICR-write exit; clflush of 512 pages = 32768 lines
 *   __change_page_attr: the request covers its 2M page whole, so __should_split_large_page keeps it:
 *     no 2M split; the 1G around it is already split (in an intact 1G page: one 1G split, see growth.test.ts)
 *   cpa_flush after: again a full flush, 8 + 7 IPIs, one exit
 *   enc_status_change_finish → MapGPA(shared) of 2 MiB: 1 call (one 2 MiB chunk); KVM removes 512 private
 *     4K pages (tdx_sept_remove_private_spte: BLOCK, TRACK + kick of the 7 other vCPUs, REMOVE each)
 * alloc(8 KiB): best fit in the block's bitmap — no platform work. The request: the buffer is
 *   shared and coherent; syncForDevice does nothing.
 * free: memset(0) of 8 KiB through the shared mapping (bytesZeroed 8192, charged at bounceBytesPerNs).
 * Every later request costs only that memset: the pool stays shared until shutdown.
 * kexec: the block is shared through its own decrypted direct-map PTEs → kexecUnsafeSharedPagesPeak 0.
 *
 * Time at the docs/model.md §8 defaults, ns:
 *   first-touch accept = 1024 × 2500 (all-in) + 2 refused 2M ACCEPTs × 700 (tdcallNs) = 2561400
 *   full shootdown = ICR write 700 + 4000 + 7 × 325 + delivery 1825 + full flush 3300 = 12100; × 2 = 24200
 *   clflush 512 × 90 = 46080;  MapGPA 4000
 *   host SEPT teardown 512 × (17500 + 7 × 2150) = 512 × 32550 = 16665600
 *   memset 8192 / 10 = 819.2
 *   total 2561400 + 24200 + 46080 + 4000 + 16665600 + 819.2 = 19302099.2 — all on the requester.
 */
describe('cost signature of one 8 KiB request', () => {
  it('default: one 2 MiB block decrypted at init, no split; the request itself converts nothing', async () => {
    expect(await signatureOf(strategy)).toEqual({
      directMapLevel3Splits: 0,
      directMapLevel2Splits: 0,
      pagesConvertedToShared: 512,
      pagesConvertedToPrivate: 0, // the block stays shared until shutdown
      mapGpaCalls: 1,
      accepts4k: 1024, // the first touch of the unaccepted block the init took its 2 MiB from
      accepts2m: 0,
      tlbFlushPages: 0, // both cpa_flushes are above the ceiling: full flushes
      tlbFlushFull: 16,
      ipis: 14,
      ipiSendExits: 2,
      cacheLinesFlushed: 32768,
      bytesBounced: 0,
      acceptMemoryBlocks: 1,
      kexecUnsafeSharedPagesPeak: 0,
      hazardUnalignedZeropad: 0, // the direct map itself is decrypted: no private alias
    });
    expect(await costOf(strategy)).toEqual({
      ns: 19_302_099.2,
      workNs: 19_302_099.2,
      phases: { nsAccept: 2_561_400, nsTlbIpi: 24_200, nsCacheFlush: 46_080, nsMapGpa: 4_000, nsHost: 16_665_600, nsCopy: 819.2 },
    });
  });

  /*
   * shrinkIdleMs: 0, initialBlocks: 0 — the block is grown by the alloc (the first-touch accept and
   * the decrypt above, 19301280 ns) and given back by the free, after its memset (819.2):
   * set_memory_encrypted(block, 512): no flush before (the VMM flushes on shared→private);
   * MapGPA(private): 1 call (4000), 512 pages → private; the host zaps the shared EPT of the 2 MiB
   * chunk and kvm_flush_remote_tlbs kicks the 7 other vCPUs: 4000 + 7 × 2150 = 19050;
   * tdx_accept_memory: one 2M TDG.MEM.PAGE.ACCEPT answered TDX_PAGE_SIZE_MISMATCH (700), then
   * 512 × 4K all-in accepts (1280000); cpa_flush after: full flush, 8 + 7 IPIs, one exit (12100).
   * Free: 4000 + 19050 + 1280700 + 12100 = 1315850; total 19301280 + 819.2 + 1315850 = 20617949.2.
   */
  it('shrinkIdleMs: 0, initialBlocks: 0 — a whole block converted and given back per request', async () => {
    const options = { shrinkIdleMs: 0, initialBlocks: 0 };
    expect(await signatureOf(strategy, options)).toEqual({
      directMapLevel3Splits: 0,
      directMapLevel2Splits: 0,
      pagesConvertedToShared: 512,
      pagesConvertedToPrivate: 512,
      mapGpaCalls: 2,
      accepts4k: 1024 + 512, // first touch of the block, then the block made private again
      accepts2m: 0,
      tlbFlushPages: 0,
      tlbFlushFull: 24,
      ipis: 21,
      ipiSendExits: 3,
      cacheLinesFlushed: 32768,
      bytesBounced: 0,
      acceptMemoryBlocks: 1,
      kexecUnsafeSharedPagesPeak: 0,
      hazardUnalignedZeropad: 0,
    });
    expect(await costOf(strategy, options)).toEqual({
      ns: 20_617_949.2,
      workNs: 20_617_949.2,
      phases: { nsAccept: 3_842_100, nsTlbIpi: 36_300, nsCacheFlush: 46_080, nsMapGpa: 8_000, nsHost: 16_684_650, nsCopy: 819.2 },
    });
  });

  it('after init, a hundred requests of any size up to the block convert, flush and split nothing', async () => {
    const r = strategyRig(strategy);
    must(await r.a.init());
    const d = r.mark();
    for (let i = 0; i < 100; i++) must(await r.a.free(must(await r.a.alloc(4096 * (1 + (i % 64))))));
    expect(d()).toMatchObject({
      pagesConvertedToShared: 0,
      pagesConvertedToPrivate: 0,
      mapGpaCalls: 0,
      tlbFlushFull: 0,
      tlbFlushPages: 0,
      ipis: 0,
      directMapLevel2Splits: 0,
      directMapLevel3Splits: 0,
    });
  });
});
