import { describe, expect, it } from 'vitest';
import { testMachine } from '../../test-machine.js';
import { GiB, PAGE_SIZE, VMALLOC_BASE } from '../../../abi/units.js';
import type { PlatformConfigInput } from '../../../platform/config.js';
import { PageState } from '../../memory/phys-mem.js';

const setup = (over: PlatformConfigInput = {}) => {
  const m = testMachine({ memoryBytes: 16 * GiB, vcpus: 8, ...over });
  const k = m.kernel;
  const pfn = m.pages.allocPages(1)!; // two pages
  const r = k.vmap([pfn, pfn + 1], 'decrypted');
  if (!r.ok) throw r.error;
  return { m, k, pfn, kva: r.value };
};

describe('set_memory_* on a vmap address (docs/model.md §3, __set_memory_enc_pgtable, cpa_process_alias)', () => {
  it('upstream: plain set_memory_decrypted hands MapGPA __pa(vaddr), a GPA of no page of the buffer (tdx_enc_status_changed)', () => {
    const { m, k, pfn, kva } = setup();
    const c0 = { ...m.counters };
    const gpas: number[] = [];
    const raw = m.host.kvm.mapGpa.bind(m.host.kvm);
    m.host.kvm.mapGpa = (gpa, size) => {
      gpas.push(gpa - m.sharedBit);
      return raw(gpa, size);
    };
    // QEMU ignores a to-shared conversion of an unassigned GPA, so the call "succeeds"
    expect(k.setMemoryDecrypted(kva, 2).ok).toBe(true);
    expect(gpas).toEqual([0x408000000000 + (kva - VMALLOC_BASE)]); // VMALLOC_START − PAGE_OFFSET + offset
    expect(m.counters.hazardPaOfVmalloc - c0.hazardPaOfVmalloc).toBe(1);
    expect(m.counters.pagesConvertedToShared).toBe(c0.pagesConvertedToShared);
    // the PTEs say shared, the pages are private: invariant 8, and the buffer is unusable (#VE)
    expect([m.mem.state(pfn), m.mem.state(pfn + 1)]).toEqual([PageState.PrivateAccepted, PageState.PrivateAccepted]);
    expect(m.directMap.encrypted(pfn)).toBe(false);
    expect(m.inv.violations.map((v) => [v.invariant, v.pfn, v.pages])).toEqual([[8, pfn, 2]]);
    expect(k.write(kva, new Uint8Array([1])).ok).toBe(false);
    expect(m.counters.veSharedMappingPrivatePage - c0.veSharedMappingPrivatePage).toBe(1);
  });

  it('vmallocPa v7 (vmalloc_to_pfn) converts the right pages and the direct-map alias with them (checkalias = 1), so it splits it', () => {
    const { m, k, pfn, kva } = setup({ vmallocPa: 'v7' });
    const c0 = { ...m.counters };
    expect(k.setMemoryDecrypted(kva, 2).ok).toBe(true);
    expect([m.mem.state(pfn), m.mem.state(pfn + 1)]).toEqual([PageState.Shared, PageState.Shared]);
    expect(m.directMap.encrypted(pfn)).toBe(false);
    expect(m.directMap.encrypted(pfn + 1)).toBe(false);
    expect(m.counters.directMapLevel2Splits - c0.directMapLevel2Splits).toBeGreaterThanOrEqual(1);
    expect(m.counters.mapGpaCalls - c0.mapGpaCalls).toBe(1);
    expect(m.counters.hazardPaOfVmalloc).toBe(c0.hazardPaOfVmalloc);
    expect(m.counters.privateAliasedSharedPages).toBe(0);
    expect(m.counters.hazardUnalignedZeropad).toBe(0);
    expect(m.inv.violations).toEqual([]);
  });

  it('vmallocPa per-page (slow_virt_to_phys) issues one MapGPA per 4 KiB page, and one accept each on the way back', () => {
    const { m, k, pfn, kva } = setup({ vmallocPa: 'per-page' });
    const c0 = { ...m.counters };
    expect(k.setMemoryDecrypted(kva, 2).ok).toBe(true);
    expect(m.counters.mapGpaCalls - c0.mapGpaCalls).toBe(2);
    expect(m.mem.state(pfn + 1)).toBe(PageState.Shared);
    expect(k.setMemoryEncrypted(kva, 2).ok).toBe(true);
    expect(m.counters.mapGpaCalls - c0.mapGpaCalls).toBe(4);
    expect(m.counters.accepts4k - c0.accepts4k).toBe(2);
    expect(m.inv.violations).toEqual([]);
  });

  it('the _noalias path came with the v7 fix: no __pa() of the vmalloc address under the upstream default', () => {
    const { m, k, pfn, kva } = setup();
    const c0 = { ...m.counters };
    expect(k.setMemoryDecryptedNoalias(kva, 2).ok).toBe(true);
    expect(m.counters.hazardPaOfVmalloc).toBe(c0.hazardPaOfVmalloc);
    expect(m.mem.state(pfn)).toBe(PageState.Shared);
    expect(m.inv.violations).toEqual([]);
  });

  it('cpa_process_alias changes the alias one page at a time and sets force_flush_all: the flush after the PTE change is a full one', () => {
    // 512 pages of one 2 MiB-aligned block: as a direct-map range it covers its 2M page whole and keeps it;
    // through a vmap the alias is changed page by page, so the 2M page is split
    const direct = testMachine({ memoryBytes: 16 * GiB, vcpus: 8 });
    const d = direct.pages.allocPages(9)!;
    expect(d % 512).toBe(0);
    const c0 = { ...direct.counters };
    expect(direct.kernel.setMemoryDecrypted(direct.pageAddress(d), 512).ok).toBe(true);
    expect(direct.counters.directMapLevel2Splits).toBe(c0.directMapLevel2Splits);
    const viaVmap = testMachine({ memoryBytes: 16 * GiB, vcpus: 8, vmallocPa: 'v7' });
    const p = viaVmap.pages.allocPages(9)!;
    const v = viaVmap.kernel.vmap(
      Array.from({ length: 512 }, (_, i) => p + i),
      'encrypted',
    );
    if (!v.ok) throw v.error;
    const c1 = { ...viaVmap.counters };
    expect(viaVmap.kernel.setMemoryDecrypted(v.value, 512).ok).toBe(true);
    expect(viaVmap.counters.directMapLevel2Splits - c1.directMapLevel2Splits).toBe(1);
    // a 2-page vmap: cpa_flush before is per page (16 INVLPG), after is flush_tlb_all (force_flush_all) — plus the split's own
    const { m, k, kva } = setup({ vmallocPa: 'v7' });
    const c2 = { ...m.counters };
    expect(k.setMemoryDecrypted(kva, 2).ok).toBe(true);
    const splits = m.counters.directMapLevel2Splits - c2.directMapLevel2Splits + m.counters.directMapLevel3Splits - c2.directMapLevel3Splits;
    expect(m.counters.tlbFlushPages - c2.tlbFlushPages).toBe(2 * 8);
    expect(m.counters.tlbFlushFull - c2.tlbFlushFull).toBe((splits + 1) * 8);
    // the _noalias variant processes no alias: both flushes per page
    const n = setup();
    const c3 = { ...n.m.counters };
    expect(n.k.setMemoryDecryptedNoalias(n.kva, 2).ok).toBe(true);
    expect([n.m.counters.tlbFlushPages - c3.tlbFlushPages, n.m.counters.tlbFlushFull - c3.tlbFlushFull]).toEqual([2 * 2 * 8, 0]);
  });

  it('__purge_vmap_area_lazy flushes the span [lowest start, highest end) of the lazy areas: areas apart make a full flush', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, vcpus: 2 });
    const k = m.kernel;
    const pfn = m.pages.allocPages(1)!;
    const map = () => {
      const r = k.vmap([pfn, pfn + 1], 'encrypted');
      if (!r.ok) throw r.error;
      return r.value;
    };
    // one lazy area of 2 pages + guard: a 3-page flush on each CPU
    k.vunmap(map());
    let c0 = { ...m.counters };
    k.setMemoryDecrypted(m.pageAddress(pfn), 2);
    expect(m.counters.tlbFlushPages - c0.tlbFlushPages).toBe(3 * 2 + 2 * 2 * 2); // purge + the two cpa_flush
    k.setMemoryEncrypted(m.pageAddress(pfn), 2);
    // two lazy areas 40 pages apart (the vmaps between them stay live): a span of 43 > 33 pages → flush_tlb_all
    const first = map();
    const live = Array.from({ length: 13 }, map);
    const last = map();
    expect((last - first) / 4096).toBe(42);
    k.vunmap(first);
    k.vunmap(last);
    c0 = { ...m.counters };
    k.setMemoryDecrypted(m.pageAddress(pfn), 2);
    expect(m.counters.tlbFlushFull - c0.tlbFlushFull).toBe(2);
    expect(m.counters.tlbFlushPages - c0.tlbFlushPages).toBe(2 * 2 * 2);
    expect(live.length).toBe(13);
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
  it('purges with one TLB flush only past lazy_max_pages, or at vm_unmap_aliases()', async () => {
    const m = testMachine({ memoryBytes: 4 * GiB, vcpus: 1 }); // lazy_max_pages = fls(1) × 32 MiB = 8192 pages
    const k = m.kernel;
    const pfn = m.pages.allocPages(10)!; // 1024 pages, mapped 7 times = 7175 lazy pages with guards
    const full0 = m.counters.tlbFlushFull;
    for (let i = 0; i < 7; i++) {
      const r = k.vmap(
        Array.from({ length: 1024 }, (_, j) => pfn + j),
        'encrypted',
      );
      if (!r.ok) throw r.error;
      k.vunmap(r.value);
    }
    expect(m.counters.tlbFlushFull).toBe(full0); // all still lazy
    const r = k.vmap(
      Array.from({ length: 1024 }, (_, j) => pfn + j),
      'encrypted',
    );
    if (!r.ok) throw r.error;
    k.vunmap(r.value); // 8 × 1025 = 8200 > 8192: schedule_work(&drain_vmap_work)
    expect(m.counters.tlbFlushFull).toBe(full0); // the purge runs on a kworker
    await m.machine.flushWork();
    expect(m.counters.tlbFlushFull).toBe(full0 + 1);
    expect(m.vmap.lazyPages).toBe(0);
  });
});
