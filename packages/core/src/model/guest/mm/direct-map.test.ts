import { describe, expect, it } from 'vitest';
import { testMachine, type TestMachine } from '../../test-machine.js';
import { GiB, KiB, MiB, PAGE_SIZE } from '../../../abi/units.js';

/** Take `bytes` of free memory at physical address `pa` (alloc_contig_range) and return its kva. */
function takeAt(m: TestMachine, pa: number, bytes: number): number {
  const id = m.pages.allocContigRange(pa / PAGE_SIZE, bytes / PAGE_SIZE);
  expect(id).toBeDefined();
  return m.pageAddress(pa / PAGE_SIZE);
}

describe('direct map split rule (docs/model.md §3, __should_split_large_page)', () => {
  it('decrypting 2 pages in an untouched 1G page gives one level-3 and one level-2 split, and the DirectMap* deltas', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const k = m.kernel;
    const before = { ...m.counters };
    const meminfo = m.directMap.meminfo();
    const kva = takeAt(m, 10 * GiB + 64 * KiB, 8 * KiB);
    expect(k.setMemoryDecrypted(kva, 2).ok).toBe(true);
    expect(m.counters.directMapLevel3Splits - before.directMapLevel3Splits).toBe(1);
    expect(m.counters.directMapLevel2Splits - before.directMapLevel2Splits).toBe(1);
    const after = m.directMap.meminfo();
    // 1G → 512×2M, then one 2M → 512×4K; values in kB as /proc/meminfo prints them
    expect(after.DirectMap1G - meminfo.DirectMap1G).toBe(-GiB / KiB);
    expect(after.DirectMap2M - meminfo.DirectMap2M).toBe((GiB - 2 * MiB) / KiB);
    expect(after.DirectMap4k - meminfo.DirectMap4k).toBe((2 * MiB) / KiB);
    expect(m.inv.violations).toEqual([]);
  });

  it('decrypting a whole aligned 2 MiB splits the 1G page but not the 2M page', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const k = m.kernel;
    const before = { ...m.counters };
    const kva = takeAt(m, 11 * GiB + 2 * MiB, 2 * MiB);
    expect(k.setMemoryDecrypted(kva, 512).ok).toBe(true);
    expect(m.counters.directMapLevel3Splits - before.directMapLevel3Splits).toBe(1);
    expect(m.counters.directMapLevel2Splits - before.directMapLevel2Splits).toBe(0);
  });

  it('a later encrypt re-merges nothing ("splits for encryption changes are never undone")', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const k = m.kernel;
    const kva = takeAt(m, 12 * GiB, 8 * KiB);
    expect(k.setMemoryDecrypted(kva, 2).ok).toBe(true);
    const split = m.directMap.meminfo();
    const splits = [m.counters.directMapLevel3Splits, m.counters.directMapLevel2Splits];
    expect(k.setMemoryEncrypted(kva, 2).ok).toBe(true);
    expect(m.directMap.meminfo()).toEqual(split);
    expect([m.counters.directMapLevel3Splits, m.counters.directMapLevel2Splits]).toEqual(splits);
    expect(m.directMap.level((12 * GiB) / PAGE_SIZE)).toBe(0); // still 4K
  });

  it('without 1 GiB pages the direct map uses 2M pages and only level-2 splits happen', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, gbPages: false });
    const k = m.kernel;
    expect(m.directMap.meminfo().DirectMap1G).toBe(0);
    const before = { ...m.counters };
    const kva = takeAt(m, 10 * GiB + 4 * KiB, 4 * KiB);
    expect(k.setMemoryDecrypted(kva, 1).ok).toBe(true);
    expect(m.counters.directMapLevel3Splits - before.directMapLevel3Splits).toBe(0);
    expect(m.counters.directMapLevel2Splits - before.directMapLevel2Splits).toBe(1);
  });

  it('each split costs one page-table page from the page allocator and a flush_tlb_all()', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, vcpus: 4 });
    const k = m.kernel;
    const full = m.counters.tlbFlushFull;
    const kva = takeAt(m, 13 * GiB + 8 * KiB, 4 * KiB); // accepts its MAX_PAGE_ORDER block first (accept_page)
    const free = m.pages.freePageCount;
    expect(k.setMemoryDecrypted(kva, 1).ok).toBe(true);
    // 2 page tables for 2 splits
    expect(free - m.pages.freePageCount).toBe(2);
    expect(m.counters.pageTablePages).toBeGreaterThanOrEqual(2);
    // flush_tlb_all per split runs on every vCPU
    expect(m.counters.tlbFlushFull - full).toBe(2 * 4);
  });
});
