import { describe, expect, it } from 'vitest';
import { testMachine } from '../../test-machine.js';
import { GiB } from '../../../abi/units.js';
import type { PlatformConfigInput } from '../../../platform/config.js';
import { flushTlbAll, flushTlbKernelPages, ipiSendCost } from './tlb.js';

/** Time and counters of one flush_tlb_kernel_range() over `pages` pages on a fresh machine. */
function shootdown(platform: PlatformConfigInput, pages = 2) {
  const m = testMachine({ memoryBytes: 4 * GiB, ...platform });
  const c0 = { ...m.counters };
  const t0 = m.sched.now();
  flushTlbKernelPages(m.sim, pages);
  const d = (k: keyof typeof c0) => m.counters[k] - c0[k];
  return { m, ns: m.sched.now() - t0, exits: d('ipiSendExits'), tdvmcalls: d('tdvmcalls'), ipis: d('ipis'), tlbNs: d('nsTlbIpi') };
}

describe('TLB shootdowns from a TD (docs/model.md §8 "IPI from a TD"; arch/x86/mm/tlb.c, arch/x86/kernel/apic/ipi.c, arch/x86/kernel/kvm.c)', () => {
  it('shorthand (native_send_call_func_ipi → send_IPI_allbutself): one x2APIC ICR write, a #VE + TDVMCALL, for all 7 targets', () => {
    const s = shootdown({ vcpus: 8 });
    const c = s.m.cost;
    expect([s.exits, s.tdvmcalls, s.ipis]).toEqual([1, 1, 7]);
    // send: TDG.VP.VEINFO.GET + TDVMCALL<WRMSR>, KVM posting 7 interrupts; then delivery and the 2-page flush
    const want = c.tdcallNs + c.tdvmcallRoundTripNs + (7 * c.ipiHostDeliveryCycles) / c.cpuGHz + c.ipiCycles / c.cpuGHz + 2 * c.tlbFlushSinglePageNs;
    expect(s.ns).toBeCloseTo(want, 3);
    expect(s.ns).toBeGreaterThan(c.tdvmcallRoundTripNs); // an IPI from a TD costs at least a TDVMCALL
    expect(s.tlbNs).toBeCloseTo(s.ns, 3);
  });

  it('kvm-pv (kvm_send_ipi_mask): one KVM_HC_SEND_IPI TDVMCALL per 128 APIC IDs', () => {
    expect(shootdown({ vcpus: 8, ipiSend: 'kvm-pv' }).exits).toBe(1);
    expect(shootdown({ vcpus: 129, ipiSend: 'kvm-pv' }).exits).toBe(1); // 128 targets
    expect(shootdown({ vcpus: 130, ipiSend: 'kvm-pv' }).exits).toBe(2);
    const m = testMachine({ memoryBytes: 4 * GiB, vcpus: 200, ipiSend: 'kvm-pv' });
    expect(ipiSendCost(m.sim, 199).exits).toBe(2);
  });

  it('x2apic without shorthand or PV: one ICR write (#VE + TDVMCALL) per target', () => {
    const s = shootdown({ vcpus: 8, ipiSend: 'x2apic' });
    expect([s.exits, s.tdvmcalls]).toEqual([7, 7]);
    expect(s.ns).toBeGreaterThan(7 * s.m.cost.tdvmcallRoundTripNs);
  });

  it('the cost grows with the number of target vCPUs, whatever the mechanism', () => {
    for (const ipiSend of ['shorthand', 'kvm-pv', 'x2apic'] as const) {
      const ns = [2, 8, 32, 256].map((vcpus) => shootdown({ vcpus, ipiSend }).ns);
      for (let i = 1; i < ns.length; i++) expect(ns[i]!).toBeGreaterThan(ns[i - 1]!);
    }
  });

  it('one vCPU: no IPI, the local flush only; above the 33-page ceiling a full flush (tlb_single_page_flush_ceiling)', () => {
    const one = shootdown({ vcpus: 1 });
    expect([one.exits, one.ipis, one.ns]).toEqual([0, 0, 2 * one.m.cost.tlbFlushSinglePageNs]);
    const big = shootdown({ vcpus: 8 }, 34);
    expect(big.m.counters.tlbFlushFull - big.m.bootCounters.tlbFlushFull).toBe(8);
  });

  it('the flush_tlb_all() a split ends with is charged to the split phase, not to TLB shootdowns', () => {
    const m = testMachine({ memoryBytes: 4 * GiB, vcpus: 8 });
    const c0 = { ...m.counters };
    flushTlbAll(m.sim, 'split');
    expect(m.counters.nsTlbIpi).toBe(c0.nsTlbIpi);
    expect(m.counters.nsSplit - c0.nsSplit).toBeGreaterThan(m.cost.tdvmcallRoundTripNs);
  });
});
