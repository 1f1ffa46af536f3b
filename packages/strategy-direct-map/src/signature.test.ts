import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { costOf, signatureOf } from '@tdx-shbuf/conformance';

/*
 * Cost signature of ONE 8 KiB quote request (init + alloc + the request + free;
 * deltas from right before init) on a fresh 16 GiB, 8-vCPU guest. Where the
 * buffer lands: boot's first ZONE_NORMAL allocation, the kernel atomic pool
 * (the first pool dma_atomic_pool_init makes), accepted the first unaccepted
 * block [4 GiB, 4 GiB + 4 MiB) and took its lower 2 MiB; decrypting it split
 * the first 1G page of the Normal zone into 2M pages (page table at 4 GiB +
 * 2 MiB), and mark_rodata_ro()'s two gap splits took 4 GiB + 2 MiB + 4 KiB and
 * + 8 KiB. alloc_pages_exact(8 KiB) returns 4 GiB + 2 MiB + 16 KiB (order 1,
 * past the order-0 hole at + 12 KiB): inside an intact 2M mapping of an
 * already-split 1G page.
 *
 * Counts. set_memory_decrypted(addr, 2) (__set_memory_enc_pgtable):
 *   vm_unmap_aliases(): nothing lazy, no flush
 *   cpa_flush before (tdx_tlb_flush_required(shared)): 2 pages × 8 CPUs = 16 INVLPG, 7 IPIs;
 *     + clflush of 2 pages = 2 × 4096 / 64 = 128 lines
 *   __change_page_attr: 8 KiB of a 2M page → one level-2 split (no level-3: the 1G is already split),
 *     split_large_page → flush_tlb_all(): 8 full flushes, 7 IPIs
 *   cpa_flush after (a direct-map address: no alias, no force_flush_all): 16 INVLPG, 7 IPIs
 *   enc_status_change_finish → MapGPA(shared) of 8 KiB: 1 call (one 2 MiB chunk), 2 pages → shared
 * set_memory_encrypted(addr, 2): no flush before (the VMM flushes on shared→private),
 *   prepare → MapGPA(private): 1 call, 2 pages → private; tdx_accept_memory: 8 KiB is below 2M → 2 × 4K accepts;
 *   cpa_flush after: 16 INVLPG, 7 IPIs.
 * Unaccepted memory: boot leaves ZONE_NORMAL 131 free pages above its promo watermark
 *   (cond_accept_memory stops there); this request takes at most 3 (2 + a page table) → no block accepted.
 * kexec: the buffer is shared through its own decrypted direct-map PTEs, so tdx_kexec_finish()
 *   would find it: kexecUnsafeSharedPagesPeak 0.
 * Every shootdown is on_each_cpu → native_send_call_func_ipi → one x2APIC ICR write (shorthand):
 *   one IPI-send exit per shootdown.
 *
 * Time (docs/model.md §8 defaults; 8 vCPUs = 7 targets; ns):
 *   shootdown send  = TDG.VP.VEINFO.GET 700 + TDVMCALL<WRMSR> 4000 + 7 × 650 cycles / 2 GHz (325) = 6975
 *   + delivery 3650 cycles / 2 GHz = 1825  → 8800 per shootdown, plus the flush itself:
 *   2-page flush = 8800 + 2 × 100 = 9000;  full flush = 8800 + 3300 = 12100
 *   host SEPT teardown per page = 17500 + (8 − 1) × 2150 = 32550
 *   decrypt = flush 9000 + clflush 2 × 90 = 180 + split 12100 + flush 9000
 *           + MapGPA 4000 + host 2 × 32550 = 65100                               = 99380
 *   encrypt = MapGPA 4000 + shared-EPT zap 4000 and its remote TLB flush's 7 kicks × 2150 = 19050
 *           + accept 2 × 2500 + flush 9000                                      = 37050
 *   alloc_pages_exact(__GFP_ZERO): memset 8192 B / 10 B/ns                        = 819.2
 */
describe('cost signature of one 8 KiB request', () => {
  it('convert: "init" — the one conversion happens at init; the request itself converts nothing', async () => {
    expect(await signatureOf(strategy)).toEqual({
      directMapLevel3Splits: 0,
      directMapLevel2Splits: 1,
      pagesConvertedToShared: 2,
      pagesConvertedToPrivate: 0, // the buffer stays shared until shutdown
      mapGpaCalls: 1,
      accepts4k: 0,
      accepts2m: 0,
      tlbFlushPages: 32, // 16 + 16 around the decrypt
      tlbFlushFull: 8, // the split
      ipis: 21, // 7 + 7 (cpa_flush ×2) + 7 (split)
      ipiSendExits: 3, // one ICR write per shootdown
      cacheLinesFlushed: 128,
      bytesBounced: 0,
      acceptMemoryBlocks: 0,
      kexecUnsafeSharedPagesPeak: 0,
      hazardUnalignedZeropad: 0, // the direct map itself is decrypted: no private alias
    });
    // 819.2 + 99380 = 100199.2, by phase:
    expect(await costOf(strategy)).toEqual({
      ns: 100_199.2,
      workNs: 100_199.2,
      phases: { nsCopy: 819.2, nsTlbIpi: 18_000, nsCacheFlush: 180, nsSplit: 12_100, nsMapGpa: 4_000, nsHost: 65_100 },
    });
  });

  it('convert: "per-request" — decrypt and re-encrypt in the direct map', async () => {
    expect(await signatureOf(strategy, { convert: 'per-request' })).toEqual({
      directMapLevel3Splits: 0,
      directMapLevel2Splits: 1,
      pagesConvertedToShared: 2,
      pagesConvertedToPrivate: 2,
      mapGpaCalls: 2,
      accepts4k: 2,
      accepts2m: 0,
      tlbFlushPages: 48, // 16 + 16 (decrypt) + 16 (encrypt)
      tlbFlushFull: 8,
      ipis: 28, // 21 + 7 (encrypt's cpa_flush)
      ipiSendExits: 4,
      cacheLinesFlushed: 128, // no cache flush on shared→private
      bytesBounced: 0,
      acceptMemoryBlocks: 0,
      kexecUnsafeSharedPagesPeak: 0,
      hazardUnalignedZeropad: 0,
    });
    // 819.2 + 99380 + 37050 = 137249.2
    expect(await costOf(strategy, { convert: 'per-request' })).toEqual({
      ns: 137_249.2,
      workNs: 137_249.2,
      phases: { nsCopy: 819.2, nsTlbIpi: 27_000, nsCacheFlush: 180, nsSplit: 12_100, nsMapGpa: 8_000, nsHost: 84_150, nsAccept: 5_000 },
    });
  });

  it('in an untouched 1G page (no 1G pages left split at boot: gbPages on, the buffer above 5 GiB) it costs one 1G and one 2M split', async () => {
    const { strategyRig: rig, must, takeFreeMemoryBelow } = await import('@tdx-shbuf/conformance');
    const r = rig(strategy, { convert: 'per-request' });
    // Take the rest of the first Normal GiB so the next allocation comes from [5 GiB, 6 GiB), an intact 1G mapping.
    takeFreeMemoryBelow(r.kernel, 5 * 2 ** 30);
    const d = r.mark();
    const b = must(await r.a.alloc(8192));
    expect(must(r.kernel.virtToPhys(b.kva))).toBeGreaterThanOrEqual(5 * 2 ** 30);
    expect(d()).toMatchObject({ directMapLevel3Splits: 1, directMapLevel2Splits: 1, tlbFlushFull: 16 });
  });
});
