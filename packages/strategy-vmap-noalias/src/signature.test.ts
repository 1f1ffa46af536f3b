import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { costOf, signatureOf } from '@tdx-shbuf/conformance';

/*
 * Cost signature of ONE 8 KiB request (init + alloc + the request + free;
 * deltas from right before init) on a fresh 16 GiB, 8-vCPU guest. init does nothing.
 *
 * alloc: alloc_pages(order 1) + vmap(pgprot_decrypted) + set_memory_decrypted_noalias(vaddr, 2):
 *   vm_unmap_aliases(): nothing lazily freed yet → no flush
 *   cpa_flush before (private→shared): 2 pages × 8 CPUs = 16 INVLPG, 7 IPIs; clflush 2 × 64 = 128 lines
 *   PTEs of the vmap alias only (CPA_NO_CHECK_ALIAS): the direct map is not touched → no split,
 *     and no force_flush_all
 *   cpa_flush after: 16 INVLPG, 7 IPIs
 *   MapGPA(shared): 1 call, 2 pages → shared — at the right GPA: the v7 series that brought _noalias
 *     also made tdx_enc_status_changed() take vmalloc_to_pfn() (no __pa() of the vmalloc address)
 * free: set_memory_encrypted_noalias(vaddr, 2):
 *   vm_unmap_aliases(): still nothing lazy; MapGPA(private): 1 call, 2 pages → private;
 *   tdx_accept_memory: 8 KiB < 2 MiB → 2 × 4K; cpa_flush after: 16 INVLPG, 7 IPIs; no cache flush.
 *   vunmap() is lazy: its TLB flush waits for the next purge (not in this request).
 * Three shootdowns, each one x2APIC ICR write (shorthand): 3 IPI-send exits.
 * The guard page changes nothing of this; it only moves the buffer one page up in an order-2 block.
 * Unaccepted memory: boot leaves ZONE_NORMAL 131 free pages above its promo watermark; the request
 *   takes 2 (4 with the guard) → no block accepted.
 * kexec: while shared, the 2 pages keep a private direct-map PTE — tdx_kexec_finish() would miss
 *   them (nr_shared counts them: "shared page accounting is off") → kexecUnsafeSharedPagesPeak 2.
 *
 * Time (docs/model.md §8 defaults, ns; the same pieces as direct-map's signature):
 *   2-page shootdown = send 700 + 4000 + 7 × 325 = 6975, delivery 1825, flush 2 × 100 → 9000
 *   host SEPT teardown per page = 17500 + 7 × 2150 = 32550
 *   decrypt = 9000 + clflush 180 + 9000 + MapGPA 4000 + host 65100 = 87280
 *   encrypt = MapGPA 4000 + zap 4000 + 7 kicks × 2150 + accept 2 × 2500 + 9000 = 37050
 *   total 124330 — 12.9 µs less than direct-map per-request (137249.2) for ONE request: no split (12100),
 *   no memset (819.2); in steady state each request also purges the previous one's lazy vmap (a 3-page shootdown)
 */
const expected = {
  directMapLevel3Splits: 0,
  directMapLevel2Splits: 0,
  pagesConvertedToShared: 2,
  pagesConvertedToPrivate: 2,
  mapGpaCalls: 2,
  accepts4k: 2,
  accepts2m: 0,
  tlbFlushPages: 48,
  tlbFlushFull: 0,
  ipis: 21,
  ipiSendExits: 3,
  cacheLinesFlushed: 128,
  bytesBounced: 0,
  acceptMemoryBlocks: 0,
  kexecUnsafeSharedPagesPeak: 2,
};

describe('cost signature of one 8 KiB request', () => {
  it("no guard: the page before the buffer is someone else's private page → one zeropad hazard", async () => {
    expect(await signatureOf(strategy)).toEqual({ ...expected, hazardUnalignedZeropad: 1 });
  });
  it('guardPage: same conversions, no hazard', async () => {
    expect(await signatureOf(strategy, { guardPage: true })).toEqual({ ...expected, hazardUnalignedZeropad: 0 });
  });
  it('time: 124330 ns, by phase', async () => {
    const want = { ns: 124_330, workNs: 124_330, phases: { nsTlbIpi: 27_000, nsCacheFlush: 180, nsMapGpa: 8_000, nsHost: 84_150, nsAccept: 5_000 } };
    expect(await costOf(strategy)).toEqual(want);
    expect(await costOf(strategy, { guardPage: true })).toEqual(want);
  });
});
