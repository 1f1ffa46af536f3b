import { describe, expect, it } from 'vitest';
import { testMachine, type TestMachine } from '../../test-machine.js';
import { GiB, PAGE_SIZE } from '../../../abi/units.js';
import { PageState } from '../../memory/phys-mem.js';
import { tdxKexecFinish } from './tdx.js';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
  if (!r.ok) throw r.error;
  return r.value;
};

/** Two fresh pages and their direct-map kva. */
function twoPages(m: TestMachine): { pfn: number; kva: number } {
  const pfn = must(m.kernel.allocPages(1));
  return { pfn, kva: m.pageAddress(pfn) };
}

describe('kexec: tdx_kexec_finish() walks the direct map (docs/model.md §3 "kexec"; arch/x86/coco/tdx/tdx.c)', () => {
  it('at boot the walk finds every shared page (SWIOTLB, atomic pools) and nr_shared agrees', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    expect(m.counters.tdxNrShared).toBe(m.counters.sharedPages);
    expect(m.counters.kexecUnsafeSharedPages).toBe(0);
    const r = tdxKexecFinish(m.guest);
    expect(r).toEqual({ found: r.nrShared, nrShared: m.bootCounters.sharedPages, leftShared: 0 });
    expect(m.dmesg).not.toContain('shared page accounting is off');
  });

  it('set_memory_decrypted() on the direct map: found and converted back; nothing unsafe', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const { kva } = twoPages(m);
    must(m.kernel.setMemoryDecrypted(kva, 2));
    expect(m.counters.kexecUnsafeSharedPages).toBe(0);
    expect(tdxKexecFinish(m.guest).leftShared).toBe(0);
  });

  it('set_memory_decrypted_noalias() on a vmap: counted in nr_shared, invisible to the walk, left shared', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const { pfn } = twoPages(m);
    const v = must(m.kernel.vmap([pfn, pfn + 1], 'decrypted'));
    must(m.kernel.setMemoryDecryptedNoalias(v, 2));
    expect(m.counters.kexecUnsafeSharedPages).toBe(2);
    const r = tdxKexecFinish(m.guest);
    expect(r.nrShared - r.found).toBe(2);
    expect(m.dmesg).toContain('shared page accounting is off');
    expect(r.leftShared).toBe(2);
    expect(m.mem.state(pfn)).toBe(PageState.Shared); // the next kernel touches it as private: shutdown
  });

  it('open-coded MapGPA: invisible to the walk and to nr_shared, so not even the accounting warns', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const { pfn } = twoPages(m);
    const pa = pfn * PAGE_SIZE;
    expect(m.kernel.tdxMapGpa(pa, pa + 2 * PAGE_SIZE, false)).toBe(true);
    expect(m.counters.kexecUnsafeSharedPages).toBe(2);
    const r = tdxKexecFinish(m.guest);
    expect(r.found).toBe(r.nrShared);
    expect(m.dmesg).not.toContain('shared page accounting is off');
    expect(r.leftShared).toBe(2);
  });

  it('the gauge falls when the pages go private again; the peak stays', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const { pfn } = twoPages(m);
    const pa = pfn * PAGE_SIZE;
    expect(m.kernel.tdxMapGpa(pa, pa + 2 * PAGE_SIZE, false)).toBe(true);
    expect(m.kernel.tdxMapGpa(pa, pa + 2 * PAGE_SIZE, true)).toBe(true);
    expect(m.kernel.tdxAcceptMemory(pa, pa + 2 * PAGE_SIZE)).toBe(true);
    expect(m.counters.kexecUnsafeSharedPages).toBe(0);
    expect(m.counters.kexecUnsafeSharedPagesPeak).toBe(2);
    expect(m.sinceBoot().kexecUnsafeSharedPagesPeak).toBe(2); // a gauge: reported as it stands
  });
});
