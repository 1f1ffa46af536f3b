import { z } from 'zod';
import { boundedNumber, HOUR_NS, pageBytes, probability } from './bounds.js';

/**
 * The cost model: every parameter has the default and source of docs/model.md §8.
 * Times are virtual nanoseconds. Parameters docs/model.md lists as "not found
 * anywhere" are still parameters here, with a default whose derivation the
 * description states; override them per experiment.
 */
const ns = (def: number, source: string) => boundedNumber({ min: 0, max: HOUR_NS, unit: 'ns' }).default(def).describe(source);
const positive = (max: number, unit: string) => boundedNumber({ min: 0, minExclusive: true, max, unit });

export const costParamsSchema = z
  .object({
    tdvmcallRoundTripNs: ns(4_000, 'TDVMCALL round trip guest→VMM→guest. Proxy: SEV-SNP VMGEXIT 3.85 µs (TUM-DSE CVM_eval); no TDX figure found (docs/model.md §8).'),
    tdcallNs: ns(700, 'TDCALL handled in the TDX module. Proxy: SEV-SNP in-guest path 0.65 µs (docs/model.md §8).'),
    acceptPer4kNs: ns(
      2_500,
      "TDG.MEM.PAGE.ACCEPT per 4 KiB, all-in as the guest sees it: the EPT-violation exit, the host's TDH.MEM.PAGE.AUG and the ACCEPT with its zeroing. Derived: 90 GiB accepted in ~60 s on 1 vCPU (Shutemov, LKML 2024-10; docs/model.md §8) — an end-to-end figure, so acceptTdcallNs and hostAugPer4kNs default to 0.",
    ),
    acceptPer2mNs: ns(70_000, 'TDG.MEM.PAGE.ACCEPT per 2 MiB. Unknown; derived floor from zeroing 2 MiB at ~30 GB/s (docs/model.md §8).'),
    acceptPer1gNs: ns(35_840_000, 'TDG.MEM.PAGE.ACCEPT per 1 GiB. Not in docs/model.md §8: derived as 512 × the 2 MiB floor.'),
    hostAugPer4kNs: ns(
      0,
      "Host EPT-violation exit + TDH.MEM.PAGE.AUG of one 4 KiB page on a lazy accept, charged on top of acceptPer4kNs/2m/1g. Derived: 0, because the accept figures are all-in and already include it (docs/model.md §8); set it when you set the accept figures to the module's ACCEPT alone.",
    ),
    hostSharedZapPer2mNs: ns(
      4_000,
      "Host zap of shared-EPT entries for one 2 MiB MapGPA chunk (shared→private), without the remote TLB flush's kicks (kvm_flush_remote_tlbs kicks every other vCPU: hostTrackKickPerVcpuNs each). Not found: proxy = one TDVMCALL round trip.",
    ),
    mapGpaChunkBytes: pageBytes(4096, 2 ** 30)
      .default(2 * 1024 * 1024)
      .describe('MapGPA granularity: bytes the VMM converts per exit. KVM TDX_MAP_GPA_MAX_LEN = 2 MiB (docs/model.md §8).'),
    cacheFlushPer4kNs: ns(90, 'Cache flush of 4 KiB with CLFLUSHOPT, 64 lines. Derived from a 2016 streaming benchmark (docs/model.md §8).'),
    clflushPer4kNs: ns(900, 'Cache flush of 4 KiB with plain CLFLUSH (CPUs without CLFLUSHOPT). Same source (docs/model.md §8).'),
    cacheLineBytes: boundedNumber({ min: 8, max: 4096, int: true, unit: 'bytes' })
      .refine((n) => (n & (n - 1)) === 0, { error: (i) => `must be a power of two (got ${String(i.input)})` })
      .default(64)
      .describe('x86 cache line, the CLFLUSHOPT unit (clflush_cache_range steps by boot_cpu_data.x86_clflush_size).'),
    tlbFlushSinglePageNs: ns(100, 'Single-page TLB flush (INVLPG): "each single flush is about 100 ns" (arch/x86/mm/tlb.c; docs/model.md §8).'),
    tlbSinglePageFlushCeiling: boundedNumber({ min: 1, max: 262_144, int: true, unit: 'pages' })
      .default(33)
      .describe('Pages above which a range flush becomes a full flush: tlb_single_page_flush_ceiling (arch/x86/mm/tlb.c; docs/model.md §3).'),
    tlbFlushFullNs: ns(3_300, 'Full TLB flush. Not found: derived as ceiling × single-page flush, the break-even the kernel assumes.'),
    ipiCycles: boundedNumber({ min: 0, max: 1e9, unit: 'cycles' })
      .default(3_650)
      .describe(
        "Delivery of an interrupt to a running vCPU (a posted interrupt), cycles: the receive side of a TLB shootdown and the latency of an interrupt the host injects. Zeng Guang (KVM list 2022; docs/model.md §8): an IPI in a VM costs 4,300 cycles, 3,650 with IPI virtualization, where the sender does not exit — the delivery alone. A TD's sender always exits; that is charged apart (platform.ipiSend, tdvmcallRoundTripNs).",
      ),
    cpuGHz: positive(10, 'GHz').default(2.0).describe('Core clock used to turn cycle counts into time. Not in docs/model.md §8: an assumption, set it to your machine.'),
    bounceBytesPerNs: positive(1000, 'bytes/ns')
      .default(10)
      .describe('Bounce copy (memcpy-class) bandwidth in bytes/ns = GB/s; low end of ~10–30 GB/s per core (docs/model.md §8). Also used for zeroing pages.'),
    swiotlbSingleLockFactor: positive(1, '').default(0.59).describe('SWIOTLB throughput with one lock area relative to per-CPU areas (Tianyu Lan 2022: 20 vs 34 Gb/s; docs/model.md §8).'),
    quoteGenerationNs: ns(4_000_000, 'Quote generation in the host service, typical ~4 ms, range 3–11 ms (Jun Miao, LKML 2026-02, Granite Rapids; docs/model.md §8).'),
    pageAllocNs: ns(0, 'Buddy allocator fast path per call. Not found in docs/model.md §8; 0 = not charged.'),
    // Accept all-in, host SEPT teardown in two parts, IPI send and delivery in a TD (docs/model.md §8).
    acceptTdcallNs: ns(
      0,
      'TDCALL transition of a successful TDG.MEM.PAGE.ACCEPT, charged on top of acceptPer4kNs/2m/1g. Derived: 0, because the accept figures are all-in and already include it (docs/model.md §8). A failed ACCEPT (TDX_PAGE_SIZE_MISMATCH, already accepted) costs tdcallNs.',
    ),
    hostSeptRemovePer4kNs: ns(
      17_500,
      'Host SEAMCALL work per private 4 KiB page on private→shared at run time (tdx_sept_remove_private_spte: TDH.MEM.RANGE.BLOCK, TDH.MEM.TRACK, TDH.MEM.PAGE.REMOVE, TDH.PHYMEM.PAGE.WBINVD, clear), without the vCPU kicks (hostTrackKickPerVcpuNs). Proxy: no runtime figure is published; the TD-destruction figure of 10–25 µs per page (Yamahata, KVM list 2024-03; midpoint) does less per page (RECLAIM, WBINVD, clear), so it is a floor (docs/model.md §8).',
    ),
    hostTrackKickPerVcpuNs: ns(
      2_150,
      'Host cost per other vCPU kicked out of guest mode after each TDH.MEM.TRACK (tdx_track → kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE), which waits for every ack) and by the remote TLB flush after a shared-EPT zap; the converting vCPU is already out of guest mode. Proxy: one IPI in a VM, 4,300 cycles at 2 GHz (Zeng Guang, KVM list 2022); no TDX figure (docs/model.md §8 "TDX shootdown cost vs vCPU count").',
    ),
    ipiHostDeliveryCycles: boundedNumber({ min: 0, max: 1e9, unit: 'cycles' })
      .default(650)
      .describe(
        "KVM's work per destination vCPU when it emulates a TD's IPI (kvm_irq_delivery_to_apic → posting the interrupt, notifying the target), inside the sender's exit, cycles. Proxy: the 4,300 − 3,650 cycles Zeng Guang measured between an IPI in a VM with and without the sender's exit (KVM list 2022; docs/model.md §8).",
      ),
    // Huge private mappings and fragmentation (docs/model.md §5, §8).
    hostDemoteNs: ns(
      10_000,
      'Host SEAMCALL work to split one huge private S-EPT leaf before a partial conversion (KVM TDX huge-page series, not merged; tdx_sept_split_private_spte): TDH.MEM.RANGE.BLOCK, TDH.MEM.TRACK, TDH.MEM.PAGE.DEMOTE, without the vCPU kicks after the TRACK (hostTrackKickPerVcpuNs each, as for hostSeptRemovePer4kNs). Not found (docs/model.md §8 "per-SEAMCALL latencies"): proxy = the low end of the 10–25 µs per-page TD-destruction figure (Yamahata, KVM list 2024-03) — DEMOTE has the BLOCK and TRACK but no REMOVE, WBINVD or clearing of a run-time teardown; sweep it.',
    ),
    directMap4kThroughputLoss: probability()
      .default(0.007)
      .describe(
        'Throughput lost by a workload whose memory the direct map maps at 4 KiB instead of 1 GiB, as a fraction. Song Liu 2022 (fleet): 0.5–0.9 %; default the midpoint (docs/model.md §8). Range to sweep: 0.005–0.009.',
      ),
    directMap2mThroughputLoss: probability()
      .default(0)
      .describe(
        'Throughput lost at 2 MiB instead of 1 GiB, as a fraction. Assumption: no consistent difference (Xing Zhengjun 2021: 1G best in only 45 % of 259 tests, 4K lowest on all 4 machines; docs/model.md §8), so 0; swept 0–0.005, up to the low end of the 4K figure.',
      ),
  })
  .strict();

export type CostParams = z.output<typeof costParamsSchema>;
export type CostParamsInput = z.input<typeof costParamsSchema>;

/** The docs/model.md §8 defaults. */
export const defaultCostParams: CostParams = costParamsSchema.parse({});

/** Delivery of an interrupt to a running vCPU, ns (ipiCycles at cpuGHz). */
export function ipiNs(p: CostParams): number {
  return p.ipiCycles / p.cpuGHz;
}

/** KVM's per-destination work when it emulates a TD's IPI, ns. */
export function ipiHostDeliveryNs(p: CostParams): number {
  return p.ipiHostDeliveryCycles / p.cpuGHz;
}
