import { describe, expect, it } from 'vitest';
import { testMachine, type TestMachine } from '../../test-machine.js';
import { GiB, KiB, MiB, PAGE_SIZE } from '../../../abi/units.js';
import { PageState } from '../../memory/phys-mem.js';
import { TDVMCALL_STATUS } from '../../../abi/tdcall.js';

// Raw GPAs at 10 GiB: all RAM accepted before the kernel starts (accept_memory=eager), so the
// SEPT maps them private and a conversion tears them out; unaccepted memory has its own tests.
const fresh = (over = {}) => {
  const m = testMachine({ memoryBytes: 16 * GiB, unacceptedMemory: false, ...over });
  return { m, k: m.kernel };
};

describe('MapGPA (docs/model.md §2, KVM tdx_map_gpa / tdx_complete_vmcall_map_gpa)', () => {
  it('a 5 MiB MapGPA takes 3 chunks of at most 2 MiB in one hypercall', () => {
    const { m, k } = fresh();
    const c0 = { ...m.counters };
    const pa = 10 * GiB;
    expect(k.tdxMapGpa(pa, pa + 5 * MiB, false)).toBe(true);
    expect(m.counters.mapGpaChunks - c0.mapGpaChunks).toBe(3);
    expect(m.counters.mapGpaCalls - c0.mapGpaCalls).toBe(1);
    expect(m.mem.state(pa / PAGE_SIZE)).toBe(PageState.Shared);
    expect(m.mem.state((pa + 5 * MiB) / PAGE_SIZE - 1)).toBe(PageState.Shared);
    expect(m.mem.state((pa + 5 * MiB) / PAGE_SIZE)).toBe(PageState.PrivateAccepted);
  });

  it('the shared bit is GPAW-1: bit 47 for GPAW 48, bit 51 for GPAW 52', () => {
    expect(fresh({ gpaw: 48 }).m.sharedBit).toBe(2 ** 47);
    expect(fresh({ gpaw: 52 }).m.sharedBit).toBe(2 ** 51);
  });

  it('RETRY with progress resumes from r11 and resets the counter; the range ends fully converted', () => {
    const { m, k } = fresh();
    // an interrupt pending after each of the first 4 chunks: 4 RETRYs, each with progress
    m.vmm.injectMapGpa({ kind: 'retry' }, { kind: 'retry' }, { kind: 'retry' }, { kind: 'retry' });
    const c0 = { ...m.counters };
    const pa = 10 * GiB;
    expect(k.tdxMapGpa(pa, pa + 10 * MiB, false)).toBe(true);
    expect(m.counters.mapGpaRetries - c0.mapGpaRetries).toBe(4);
    expect(m.counters.mapGpaCalls - c0.mapGpaCalls).toBe(5);
    expect(m.counters.mapGpaChunks - c0.mapGpaChunks).toBe(5);
    expect(m.mem.every(pa / PAGE_SIZE, (10 * MiB) / PAGE_SIZE, (s) => s === PageState.Shared)).toBe(true);
  });

  it('3 RETRYs without progress make tdx_map_gpa give up; 2 do not', () => {
    const a = fresh();
    a.m.vmm.injectMapGpa({ kind: 'retry-no-progress' }, { kind: 'retry-no-progress' });
    expect(a.k.tdxMapGpa(10 * GiB, 10 * GiB + 8 * KiB, false)).toBe(true);
    const b = fresh();
    b.m.vmm.injectMapGpa({ kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }, { kind: 'retry-no-progress' });
    expect(b.k.tdxMapGpa(10 * GiB, 10 * GiB + 8 * KiB, false)).toBe(false);
    expect(b.m.counters.mapGpaFailures).toBe(1);
    expect(b.m.mem.state((10 * GiB) / PAGE_SIZE)).toBe(PageState.PrivateAccepted);
  });

  it('a progress RETRY between no-progress RETRYs resets the counter', () => {
    const { m, k } = fresh();
    m.vmm.injectMapGpa({ kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }, { kind: 'retry' }, { kind: 'retry-no-progress' }, { kind: 'retry-no-progress' });
    expect(k.tdxMapGpa(10 * GiB, 10 * GiB + 4 * MiB, false)).toBe(true);
  });

  it('a RETRY GPA outside [start, end) fails at once', () => {
    const { m, k } = fresh();
    m.vmm.injectMapGpa({ kind: 'retry-out-of-range' });
    expect(k.tdxMapGpa(10 * GiB, 10 * GiB + 8 * KiB, false)).toBe(false);
    expect(m.counters.mapGpaCalls - m.bootCounters.mapGpaCalls).toBe(1);
  });

  it('the VMM answers INVALID_OPERAND for a range mixing private and shared, ALIGN_ERROR for misalignment', () => {
    const { m, k } = fresh();
    const mixed = k.tdvmcallMapGpa(m.sharedBit - 4096, 8192);
    expect(mixed.status).toBe(TDVMCALL_STATUS.INVALID_OPERAND);
    expect(k.tdvmcallMapGpa(m.sharedBit + 10 * GiB + 1, 4096).status).toBe(TDVMCALL_STATUS.ALIGN_ERROR);
  });

  it('QEMU ignores a to-shared conversion of a GPA with no RAM behind it and fails a to-private one (kvm_convert_memory)', () => {
    const { m, k } = fresh();
    const c0 = { ...m.counters };
    // the PCI hole at 3 GiB: "Ignore converting non-assigned region to shared" — success, nothing converted
    expect(k.tdvmcallMapGpa(m.sharedBit + 3 * GiB, 4096).status).toBe(TDVMCALL_STATUS.SUCCESS);
    expect(m.counters.pagesConvertedToShared).toBe(c0.pagesConvertedToShared);
    expect(k.tdvmcallMapGpa(3 * GiB, 4096).status).toBe(TDVMCALL_STATUS.INVALID_OPERAND);
    // a chunk half in RAM is refused either way
    expect(k.tdvmcallMapGpa(m.sharedBit + 2 * GiB - 4096, 8192).status).toBe(TDVMCALL_STATUS.INVALID_OPERAND);
  });

  it('private→shared tears each private page out of the SEPT with a TRACK that kicks every vCPU', () => {
    const { m, k } = fresh({ vcpus: 4 });
    const c0 = { ...m.counters };
    expect(k.tdxMapGpa(10 * GiB, 10 * GiB + 3 * PAGE_SIZE, false)).toBe(true);
    expect(m.counters.septRemoves - c0.septRemoves).toBe(3);
    expect(m.counters.tlbEpochKicks - c0.tlbEpochKicks).toBe(3 * 4);
    expect(m.counters.pagesConvertedToShared - c0.pagesConvertedToShared).toBe(3);
  });

  it('host teardown per page = hostSeptRemovePer4kNs + (vCPUs − 1) × hostTrackKickPerVcpuNs (tdx_sept_remove_private_spte, tdx_track)', () => {
    const hostNs = (vcpus: number) => {
      const { m, k } = fresh({ vcpus });
      const c0 = { ...m.counters };
      expect(k.tdxMapGpa(10 * GiB, 10 * GiB + 3 * PAGE_SIZE, false)).toBe(true);
      return { ns: m.counters.nsHost - c0.nsHost, cost: m.cost };
    };
    for (const vcpus of [1, 4, 64]) {
      const { ns, cost } = hostNs(vcpus);
      // the converting vCPU is out in userspace (the MapGPA exit): kvm_make_all_cpus_request IPIs the other vcpus − 1
      expect(ns).toBe(3 * (cost.hostSeptRemovePer4kNs + (vcpus - 1) * cost.hostTrackKickPerVcpuNs));
    }
    expect(hostNs(64).ns).toBeGreaterThan(hostNs(4).ns);
  });

  it('shared→private zaps the shared EPT and flushes remote TLBs: hostSharedZapPer2mNs + (vCPUs − 1) kicks per 2 MiB chunk', () => {
    for (const vcpus of [1, 8]) {
      const { m, k } = fresh({ vcpus });
      const pa = 10 * GiB;
      expect(k.tdxMapGpa(pa, pa + 3 * MiB, false)).toBe(true);
      const c0 = { ...m.counters };
      expect(k.tdxMapGpa(pa, pa + 3 * MiB, true)).toBe(true); // two chunks
      expect(m.counters.nsHost - c0.nsHost).toBe(2 * (m.cost.hostSharedZapPer2mNs + (vcpus - 1) * m.cost.hostTrackKickPerVcpuNs));
    }
  });
});

describe('accept (docs/model.md §2, tdx_accept_memory / try_accept_one)', () => {
  const convertBack = (m: TestMachine, pa: number, bytes: number) => {
    const k = m.kernel;
    expect(k.tdxMapGpa(pa, pa + bytes, false)).toBe(true);
    expect(k.tdxMapGpa(pa, pa + bytes, true)).toBe(true);
    return k;
  };

  it('picks 1G, then 2M, then 4K by alignment when the host maps large pages', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, hostPrivateMapLevel: '1g' });
    const start = 9 * GiB - 2 * MiB - 4 * KiB;
    const end = 10 * GiB + 4 * KiB;
    const k = convertBack(m, start, end - start);
    const c0 = { ...m.counters };
    expect(k.tdxAcceptMemory(start, end)).toBe(true);
    // [9G-2M-4K, 9G-2M): 4K; [9G-2M, 9G): 2M; [9G, 10G): 1G; [10G, 10G+4K): 4K
    expect(m.counters.accepts4k - c0.accepts4k).toBe(2);
    expect(m.counters.accepts2m - c0.accepts2m).toBe(1);
    expect(m.counters.accepts1g - c0.accepts1g).toBe(1);
    expect(m.mem.every(start / PAGE_SIZE, (end - start) / PAGE_SIZE, (s) => s === PageState.PrivateAccepted)).toBe(true);
  });

  it('with upstream KVM (4K private mappings) a 2M accept gets TDX_PAGE_SIZE_MISMATCH and falls back to 4K', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const start = 10 * GiB;
    const k = convertBack(m, start, 2 * MiB);
    const c0 = { ...m.counters };
    expect(k.tdxAcceptMemory(start, start + 2 * MiB)).toBe(true);
    expect(m.counters.accepts2m - c0.accepts2m).toBe(0);
    expect(m.counters.accepts4k - c0.accepts4k).toBe(512);
    // one 2M try at the aligned start (the 1G try is skipped: len < 1G)
    expect(m.counters.acceptSizeMismatch - c0.acceptSizeMismatch).toBe(1);
  });

  it('accept is one all-in cost (docs/model.md §8): acceptPer4kNs per page, no AUG or TDCALL on top unless configured', () => {
    const acceptNs = (cost = {}) => {
      const m = testMachine({ memoryBytes: 16 * GiB, cost });
      const pa = 10 * GiB;
      const k = convertBack(m, pa, 2 * PAGE_SIZE);
      const c0 = { ...m.counters };
      const t0 = m.sched.now();
      expect(k.tdxAcceptMemory(pa, pa + 2 * PAGE_SIZE)).toBe(true);
      expect(m.counters.septAugs - c0.septAugs).toBe(2); // the host still AUGs each page lazily
      return { ns: m.sched.now() - t0, phase: m.counters.nsAccept - c0.nsAccept, host: m.counters.nsHost - c0.nsHost, cost: m.cost };
    };
    const all = acceptNs();
    expect(all.ns).toBe(2 * all.cost.acceptPer4kNs);
    expect([all.phase, all.host]).toEqual([2 * all.cost.acceptPer4kNs, 0]);
    const split = acceptNs({ acceptPer4kNs: 1_000, hostAugPer4kNs: 1_200, acceptTdcallNs: 300 });
    expect(split.ns).toBe(2 * (1_000 + 1_200 + 300));
    expect([split.phase, split.host]).toEqual([2 * 1_300, 2 * 1_200]);
  });

  it('a failed ACCEPT costs one TDCALL in the accept phase (a 2M try the host answers with TDX_PAGE_SIZE_MISMATCH)', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const pa = 10 * GiB;
    const k = convertBack(m, pa, 2 * MiB);
    const c0 = { ...m.counters };
    expect(k.tdxAcceptMemory(pa, pa + 2 * MiB)).toBe(true);
    expect(m.counters.nsAccept - c0.nsAccept).toBe(m.cost.tdcallNs + 512 * m.cost.acceptPer4kNs);
  });

  it('ACCEPT zeroes: data written before a round trip is gone (conversion is destructive both ways)', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const k = m.kernel;
    const pfn = m.pages.allocPages(0)!;
    const kva = m.pageAddress(pfn);
    expect(k.write(kva, new Uint8Array([1, 2, 3])).ok).toBe(true);
    expect(k.setMemoryDecrypted(kva, 1).ok).toBe(true);
    const shared = k.read(kva, 3);
    expect(shared.ok && [...shared.value]).toEqual([0, 0, 0]);
    expect(k.write(kva, new Uint8Array([9, 9, 9])).ok).toBe(true);
    expect(k.setMemoryEncrypted(kva, 1).ok).toBe(true);
    const back = k.read(kva, 3);
    expect(back.ok && [...back.value]).toEqual([0, 0, 0]);
  });

  it('touching a pending (unaccepted) page is an invariant-3 violation', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const k = m.kernel;
    const pfn = m.pages.allocPages(0)!;
    const pa = pfn * PAGE_SIZE;
    expect(k.tdxMapGpa(pa, pa + PAGE_SIZE, false)).toBe(true);
    expect(k.tdxMapGpa(pa, pa + PAGE_SIZE, true)).toBe(true); // back to private, not accepted
    const r = k.read(m.pageAddress(pfn), 8);
    expect(r.ok).toBe(false);
    expect(m.inv.violations.map((v) => v.invariant)).toEqual([3]);
    expect(m.inv.violations[0]!.pfn).toBe(pfn);
  });
});
