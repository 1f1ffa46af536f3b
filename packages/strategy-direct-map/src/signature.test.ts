import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { signatureOf } from '@tdx-shbuf/conformance';

/*
 * Cost signature of ONE 8 KiB quote request (init + alloc + free; deltas from
 * right before init) on a fresh 16 GiB, 8-vCPU guest. Where the buffer lands:
 * boot's first ZONE_NORMAL allocation, the atomic pool, accepted the first
 * unaccepted block [4 GiB, 4 GiB + 4 MiB) and took its lower 2 MiB; decrypting
 * it split the first 1G page of the Normal zone into 2M pages (page table at
 * 4 GiB + 2 MiB), and mark_rodata_ro()'s two gap splits took 4 GiB + 2 MiB + 4 KiB
 * and + 8 KiB. alloc_pages_exact(8 KiB) returns 4 GiB + 2 MiB + 16 KiB (order 1,
 * past the order-0 hole at + 12 KiB): inside an intact 2M mapping of an already-split 1G page.
 *
 * set_memory_decrypted(addr, 2) (__set_memory_enc_pgtable):
 *   cpa_flush before (tdx_tlb_flush_required(shared)): 2 pages × 8 CPUs = 16 INVLPG, 7 IPIs;
 *     + clflush of 2 pages = 2 × 4096 / 64 = 128 lines
 *   __change_page_attr: 8 KiB of a 2M page → one level-2 split (no level-3: the 1G is already split),
 *     split_large_page → flush_tlb_all(): 8 full flushes, 7 IPIs
 *   cpa_flush after: 16 INVLPG, 7 IPIs
 *   enc_status_change_finish → MapGPA(shared) of 8 KiB: 1 call (one 2 MiB chunk), 2 pages → shared
 * set_memory_encrypted(addr, 2): no flush before (the VMM flushes on shared→private),
 *   prepare → MapGPA(private): 1 call, 2 pages → private; tdx_accept_memory: 8 KiB is below 2M → 2 × 4K accepts;
 *   cpa_flush after: 16 INVLPG, 7 IPIs.
 * Unaccepted memory: boot leaves ZONE_NORMAL 131 free pages above its promo watermark
 *   (cond_accept_memory stops there); this request takes at most 3 (2 + a page table) → no block accepted.
 * kexec: the buffer is shared through its own decrypted direct-map PTEs, so tdx_kexec_finish()
 *   would find it: kexecUnsafeSharedPagesPeak 0.
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
      cacheLinesFlushed: 128,
      bytesBounced: 0,
      acceptMemoryBlocks: 0,
      kexecUnsafeSharedPagesPeak: 0,
      hazardUnalignedZeropad: 0, // the direct map itself is decrypted: no private alias
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
      cacheLinesFlushed: 128, // no cache flush on shared→private
      bytesBounced: 0,
      acceptMemoryBlocks: 0,
      kexecUnsafeSharedPagesPeak: 0,
      hazardUnalignedZeropad: 0,
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
