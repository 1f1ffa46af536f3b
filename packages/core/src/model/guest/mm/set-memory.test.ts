import { describe, expect, it } from 'vitest';
import { testMachine } from '../../test-machine.js';
import { GiB, PAGE_SIZE } from '../../../abi/units.js';
import { PageState } from '../../memory/phys-mem.js';

const setup = () => {
  const m = testMachine({ memoryBytes: 16 * GiB, vcpus: 8 });
  const k = m.kernel;
  const pfn = m.pages.allocPages(1)!; // two pages
  const r = k.vmap([pfn, pfn + 1], 'decrypted');
  if (!r.ok) throw r.error;
  return { m, k, pfn, kva: r.value };
};

describe('set_memory_* on a vmap address (docs/model.md §3, __set_memory_enc_pgtable, cpa_process_alias)', () => {
  it('plain set_memory_decrypted also changes the direct-map alias (checkalias = 1) and so splits it', () => {
    const { m, k, pfn, kva } = setup();
    const c0 = { ...m.counters };
    expect(k.setMemoryDecrypted(kva, 2).ok).toBe(true);
    expect(m.directMap.encrypted(pfn)).toBe(false);
    expect(m.directMap.encrypted(pfn + 1)).toBe(false);
    expect(m.counters.directMapLevel2Splits - c0.directMapLevel2Splits).toBeGreaterThanOrEqual(1);
    expect(m.counters.privateAliasedSharedPages).toBe(0);
    expect(m.counters.hazardUnalignedZeropad).toBe(0);
    expect(m.inv.violations).toEqual([]);
  });

  it('the _noalias variant leaves the direct map private and untouched, and counts the private-alias hazard', () => {
    const { m, k, pfn, kva } = setup();
    const c0 = { ...m.counters };
    expect(k.setMemoryDecryptedNoalias(kva, 2).ok).toBe(true);
    expect(m.mem.state(pfn)).toBe(PageState.Shared);
    expect(m.directMap.encrypted(pfn)).toBe(true);
    expect(m.counters.directMapLevel2Splits).toBe(c0.directMapLevel2Splits);
    expect(m.counters.directMapLevel3Splits).toBe(c0.directMapLevel3Splits);
    expect(m.counters.privateAliasedSharedPages - c0.privateAliasedSharedPages).toBe(2);
    // the page before the buffer belongs to someone else: load_unaligned_zeropad can run into it
    expect(m.counters.hazardUnalignedZeropad - c0.hazardUnalignedZeropad).toBe(1);
    // the shared mapping works; the direct-map alias is the guest-shutdown path (invariant 2)
    expect(k.write(kva, new Uint8Array([5])).ok).toBe(true);
    expect(m.inv.violations).toEqual([]);
    expect(k.read(m.pageAddress(pfn), 1).ok).toBe(false);
    expect(m.inv.violations.map((v) => v.invariant)).toEqual([2]);
  });

  it('_noalias back to private re-accepts the pages and clears the exposure gauge', () => {
    const { m, k, pfn, kva } = setup();
    expect(k.setMemoryDecryptedNoalias(kva, 2).ok).toBe(true);
    const c0 = { ...m.counters };
    expect(k.setMemoryEncryptedNoalias(kva, 2).ok).toBe(true);
    expect(m.mem.state(pfn)).toBe(PageState.PrivateAccepted);
    expect(m.counters.privateAliasedSharedPages).toBe(c0.privateAliasedSharedPages - 2);
    expect(m.counters.accepts4k - c0.accepts4k).toBe(2);
    expect(m.counters.pagesConvertedToPrivate - c0.pagesConvertedToPrivate).toBe(2);
  });

  it('a guard page of the same allocation before the buffer removes the load_unaligned_zeropad hazard', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const k = m.kernel;
    const pfn = m.pages.allocPages(1)!; // order 1: [guard, buffer]
    const r = k.vmap([pfn + 1], 'decrypted');
    if (!r.ok) throw r.error;
    const c0 = { ...m.counters };
    expect(k.setMemoryDecryptedNoalias(r.value, 1).ok).toBe(true);
    expect(m.counters.privateAliasedSharedPages - c0.privateAliasedSharedPages).toBe(1);
    expect(m.counters.hazardUnalignedZeropad - c0.hazardUnalignedZeropad).toBe(0);
  });

  it('orders the work as the kernel does: TLB + cache flush before the PTE change on private→shared only', () => {
    const { m, k, kva } = setup();
    const c0 = { ...m.counters };
    expect(k.setMemoryDecryptedNoalias(kva, 2).ok).toBe(true);
    // tdx_cache_flush_required: 2 pages × 64 lines; tdx_tlb_flush_required(private=false) → cpa_flush before and after
    expect(m.counters.cacheLinesFlushed - c0.cacheLinesFlushed).toBe(2 * (PAGE_SIZE / 64));
    expect(m.counters.tlbFlushPages - c0.tlbFlushPages).toBe(2 * 2 * 8);
    const c1 = { ...m.counters };
    expect(k.setMemoryEncryptedNoalias(kva, 2).ok).toBe(true);
    expect(m.counters.cacheLinesFlushed).toBe(c1.cacheLinesFlushed); // no cache flush on shared→private
    expect(m.counters.tlbFlushPages - c1.tlbFlushPages).toBe(2 * 8); // only the flush after the PTE change
  });

  it('a VMM failure returns EIO with the kernel warning and leaves the pages for the caller to leak', () => {
    const { m, k, kva } = setup();
    m.vmm.injectMapGpa({ kind: 'error' });
    const r = k.setMemoryDecrypted(kva, 2);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('EIO');
    expect(m.dmesg.at(-1)).toMatch(/^CPA VMM failure to convert memory \(addr=0xffffc9[0-9a-f]+, numpages=2\) to shared: -5$/);
    expect(m.counters.setMemoryFailures).toBe(1);
  });

  it('a freed page that is still shared is an invariant-1 violation; a leaked page is never handed out again', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const k = m.kernel;
    const pfn = m.pages.allocPages(0)!;
    expect(k.setMemoryDecrypted(m.pageAddress(pfn), 1).ok).toBe(true);
    k.freePages(pfn, 0);
    expect(m.inv.violations.map((v) => v.invariant)).toContain(1);
    const m2 = testMachine({ memoryBytes: 16 * GiB });
    const k2 = m2.kernel;
    const p2 = m2.pages.allocPages(0)!;
    k2.leakPages(p2, 1, 'test');
    k2.freePages(p2, 0);
    expect(m2.inv.violations.map((v) => v.invariant)).toEqual([6]);
    expect(m2.counters.leakedPages).toBe(1);
    for (let i = 0; i < 64; i++) expect(m2.pages.allocPages(0)).not.toBe(p2);
  });
});

describe('lazy vunmap (mm/vmalloc.c free_vmap_area_noflush, lazy_max_pages)', () => {
  it('purges with one TLB flush only past lazy_max_pages, or at vm_unmap_aliases()', () => {
    const m = testMachine({ memoryBytes: 4 * GiB, vcpus: 1 }); // lazy_max_pages = fls(1) × 32 MiB = 8192 pages
    const k = m.kernel;
    const pfn = m.pages.allocPages(10)!; // 1024 pages, mapped 7 times = 7175 lazy pages with guards
    const full0 = m.counters.tlbFlushFull;
    for (let i = 0; i < 7; i++) {
      const r = k.vmap(Array.from({ length: 1024 }, (_, j) => pfn + j), 'encrypted');
      if (!r.ok) throw r.error;
      k.vunmap(r.value);
    }
    expect(m.counters.tlbFlushFull).toBe(full0); // all still lazy
    const r = k.vmap(Array.from({ length: 1024 }, (_, j) => pfn + j), 'encrypted');
    if (!r.ok) throw r.error;
    k.vunmap(r.value); // 8 × 1025 = 8200 > 8192: drained
    expect(m.counters.tlbFlushFull).toBe(full0 + 1);
    expect(m.vmap.lazyPages).toBe(0);
  });
});
