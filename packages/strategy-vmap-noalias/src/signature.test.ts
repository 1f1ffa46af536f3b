import { describe, expect, it } from 'vitest';
import strategy from './index.js';
import { signatureOf } from '@tdx-shbuf/conformance';

/*
 * Cost signature of ONE 8 KiB request (init + alloc + free; deltas from right
 * before init) on a fresh 16 GiB, 8-vCPU guest. init does nothing.
 *
 * alloc: alloc_pages(order 1) + vmap(pgprot_decrypted) + set_memory_decrypted_noalias(vaddr, 2):
 *   vm_unmap_aliases(): nothing lazily freed yet → no flush
 *   cpa_flush before (private→shared): 2 pages × 8 CPUs = 16 INVLPG, 7 IPIs; clflush 2 × 64 = 128 lines
 *   PTEs of the vmap alias only: the direct map is not touched → no split of any size
 *   cpa_flush after: 16 INVLPG, 7 IPIs
 *   MapGPA(shared): 1 call, 2 pages → shared
 * free: set_memory_encrypted_noalias(vaddr, 2):
 *   vm_unmap_aliases(): still nothing lazy; MapGPA(private): 1 call, 2 pages → private;
 *   tdx_accept_memory: 8 KiB < 2 MiB → 2 × 4K; cpa_flush after: 16 INVLPG, 7 IPIs; no cache flush.
 *   vunmap() is lazy: its TLB flush waits for the next purge (not in this request).
 * The guard page changes nothing of this; it only moves the buffer one page up in an order-2 block.
 * Unaccepted memory: boot leaves ZONE_NORMAL 131 free pages above its promo watermark; the request
 *   takes 2 (4 with the guard) → no block accepted.
 * kexec: while shared, the 2 pages keep a private direct-map PTE — tdx_kexec_finish() would miss
 *   them (nr_shared counts them: "shared page accounting is off") → kexecUnsafeSharedPagesPeak 2.
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
  cacheLinesFlushed: 128,
  bytesBounced: 0,
  acceptMemoryBlocks: 0,
  kexecUnsafeSharedPagesPeak: 2,
};

describe('cost signature of one 8 KiB request', () => {
  it('no guard: the page before the buffer is someone else\'s private page → one zeropad hazard', async () => {
    expect(await signatureOf(strategy)).toEqual({ ...expected, hazardUnalignedZeropad: 1 });
  });
  it('guardPage: same conversions, no hazard', async () => {
    expect(await signatureOf(strategy, { guardPage: true })).toEqual({ ...expected, hazardUnalignedZeropad: 0 });
  });
});
