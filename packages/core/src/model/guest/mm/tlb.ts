import type { Sim } from '../../sim/sim.js';
import type { Phase } from '../../sim/scheduler.js';
import { ipiHostDeliveryNs, ipiNs } from '../../../platform/cost.js';
import { PAGE_SIZE } from '../../../abi/units.js';

/**
 * TLB and cache flushes as the guest kernel issues them. A kernel-range TLB
 * flush runs on every online CPU (flush_tlb_kernel_range / flush_tlb_all →
 * on_each_cpu → smp_call_function_many_cond): the initiator sends the IPIs,
 * flushes locally and waits for every target to run the flush; above
 * tlb_single_page_flush_ceiling pages it is a full flush (arch/x86/mm/tlb.c).
 */

/** KVM_IPI_CLUSTER_SIZE (arch/x86/kernel/kvm.c): APIC IDs one KVM_HC_SEND_IPI covers. */
export const KVM_IPI_CLUSTER_SIZE = 128;

/**
 * Sending the call-function IPI to `targets` other vCPUs from a TD, ns, and
 * the TDVMCALLs it takes (docs/model.md §8 "IPI from a TD"). The x2APIC ICR
 * is emulated by KVM (tdx_has_emulated_msr), so an ICR write is a #VE
 * (TDG.VP.VEINFO.GET) and a TDVMCALL<WRMSR>; KVM_HC_SEND_IPI goes straight
 * to TDVMCALL (tdx_kvm_hypercall). Inside the exit KVM posts the interrupt
 * to every destination (kvm_irq_delivery_to_apic).
 *   shorthand: native_send_call_func_ipi → apic->send_IPI_allbutself, one ICR write;
 *   kvm-pv:    kvm_send_ipi_mask → __send_ipi_mask, one hypercall per KVM_IPI_CLUSTER_SIZE APIC IDs;
 *   x2apic:    one ICR write per target.
 */
export function ipiSendCost(m: Sim, targets: number): { ns: number; exits: number } {
  if (targets <= 0) return { ns: 0, exits: 0 };
  const c = m.cost;
  const icrWrite = c.tdcallNs + c.tdvmcallRoundTripNs;
  const via = m.config.ipiSend;
  const exits = via === 'shorthand' ? 1 : via === 'kvm-pv' ? Math.ceil(targets / KVM_IPI_CLUSTER_SIZE) : targets;
  const perExit = via === 'kvm-pv' ? c.tdvmcallRoundTripNs : icrWrite;
  return { ns: exits * perExit + targets * ipiHostDeliveryNs(c), exits };
}

/**
 * on_each_cpu(flush): send the IPIs, flush locally meanwhile, and wait for
 * every target to take the interrupt and run the same flush (in parallel);
 * the initiator is charged the send, the delivery and one flush — its own
 * flush overlaps the targets'. The targets' own time is charged to no task
 * (the model runs no idle-vCPU tasks); the initiator's wait covers it.
 */
function onEachCpu(m: Sim, flushNs: number, phase: Phase): void {
  const others = m.config.vcpus - 1;
  if (others <= 0) {
    m.sched.charge(flushNs, phase);
    return;
  }
  const send = ipiSendCost(m, others);
  m.counters.ipis += others;
  m.counters.ipiSendExits += send.exits;
  m.counters.tdvmcalls += send.exits;
  m.sched.charge(send.ns + ipiNs(m.cost) + flushNs, phase);
}

/** flush_tlb_kernel_range() over `pages` pages. */
export function flushTlbKernelPages(m: Sim, pages: number): void {
  if (pages <= 0) return;
  const c = m.cost;
  if (pages > c.tlbSinglePageFlushCeiling) {
    flushTlbAll(m);
    return;
  }
  m.counters.tlbFlushPages += pages * m.config.vcpus;
  onEachCpu(m, pages * c.tlbFlushSinglePageNs, 'tlbIpi');
}

/** flush_tlb_all(): a full flush on every CPU; `phase` 'split' when split_large_page() issues it. */
export function flushTlbAll(m: Sim, phase: Phase = 'tlbIpi'): void {
  m.counters.tlbFlushFull += m.config.vcpus;
  onEachCpu(m, m.cost.tlbFlushFullNs, phase);
}

/** clflush_cache_range(): one CLFLUSHOPT (or CLFLUSH) per cache line. */
export function clflushCacheRange(m: Sim, bytes: number): void {
  if (bytes <= 0) return;
  const c = m.cost;
  const lines = Math.ceil(bytes / c.cacheLineBytes);
  const per4k = m.config.cacheFlush === 'clflushopt' ? c.cacheFlushPer4kNs : c.clflushPer4kNs;
  m.counters.cacheLinesFlushed += lines;
  m.sched.charge((lines * per4k) / (PAGE_SIZE / c.cacheLineBytes), 'cacheFlush');
}

/**
 * cpa_flush(): with `forceFlushAll` (cpa_process_alias changed an alias) or
 * more than tlb_single_page_flush_ceiling pages, flush_tlb_all(); else a
 * per-page flush on each CPU. Then, when asked, a cache flush of every page.
 */
export function cpaFlush(m: Sim, numPages: number, cache: boolean, forceFlushAll = false): void {
  if (forceFlushAll) flushTlbAll(m);
  else flushTlbKernelPages(m, numPages);
  if (cache) clflushCacheRange(m, numPages * PAGE_SIZE);
}
