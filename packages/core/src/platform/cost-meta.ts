import type { CostParams } from './cost.js';

/**
 * What is known about each cost parameter (docs/model.md §8), in one table:
 * its unit, how its default is known (`confidence`, shown in
 * docs/cost-parameters.md), and how far its true value may plausibly lie
 * from that default (`low`/`high` with their `basis`: what
 * `tdx-shbuf run --sensitivity` varies it over).
 *
 * Range bases:
 * - `source`: the parameter's source gives the range itself.
 * - `derived`: derived from one figure; ×0.5–×2 unless stated.
 * - `floor`: the default is a lower bound; ×1–×4.
 * - `proxy` / `assumption`: no source for TDX at all; a wide ×0.25–×4.
 * - `fixed`: a kernel or KVM constant, not uncertain; low = high = default and never varied.
 *
 * Keyed by parameter name so that adding a parameter to costParamsSchema
 * without its metadata fails to type-check (and cost-meta.test.ts fails).
 */
/** How a parameter's default is known. */
export type CostConfidence = 'source' | 'derived' | 'proxy' | 'assumption';

/** A parameter's plausible range around its default. */
export interface CostParamRange {
  readonly low: number;
  readonly high: number;
  readonly basis: 'source' | 'derived' | 'floor' | 'proxy' | 'assumption' | 'fixed';
  /** Where the range comes from, in one sentence. */
  readonly note: string;
}

const wide = (def: number, basis: 'proxy' | 'assumption', note: string): CostParamRange => ({ low: def / 4, high: def * 4, basis, note: `${note}; ×0.25–×4` });
const derived = (def: number, note: string): CostParamRange => ({ low: def / 2, high: def * 2, basis: 'derived', note: `${note}; ×0.5–×2` });
const floor = (def: number, note: string): CostParamRange => ({ low: def, high: def * 4, basis: 'floor', note: `${note}; ×1–×4` });
const fixed = (def: number, note: string): CostParamRange => ({ low: def, high: def, basis: 'fixed', note });

/** Everything the model knows about one cost parameter beyond its schema default and description. */
export interface CostParamMeta {
  /** Unit of the value (`ns`, `bytes`, `cycles`, `fraction`…). */
  readonly unit: string;
  /** How the default is known. */
  readonly confidence: CostConfidence;
  /** The range sensitivity analysis varies it over. */
  readonly range: CostParamRange;
}
const meta = (unit: string, confidence: CostConfidence, range: CostParamRange): CostParamMeta => ({ unit, confidence, range });

export const COST_PARAM_META: Readonly<Record<keyof CostParams, CostParamMeta>> = {
  tdvmcallRoundTripNs: meta('ns', 'proxy', wide(4_000, 'proxy', 'SEV-SNP VMGEXIT figure, no TDX measurement')),
  tdcallNs: meta('ns', 'proxy', wide(700, 'proxy', 'SEV-SNP in-guest path, no TDX measurement')),
  acceptPer4kNs: meta('ns', 'derived', derived(2_500, 'one figure: 90 GiB accepted in ~60 s on one vCPU')),
  acceptPer2mNs: meta('ns', 'derived', floor(70_000, 'floor from zeroing 2 MiB at ~30 GB/s; the real figure is unknown')),
  acceptPer1gNs: meta('ns', 'derived', floor(35_840_000, '512 × the 2 MiB floor')),
  hostAugPer4kNs: meta('ns', 'derived', {
    low: 0,
    high: 4_000,
    basis: 'derived',
    note: '0 while the accept figures are all-in; up to one TDVMCALL round trip (the EPT-violation exit) when they are not',
  }),
  hostSharedZapPer2mNs: meta('ns', 'proxy', wide(4_000, 'proxy', 'one TDVMCALL round trip; no per-SEAMCALL figure published')),
  mapGpaChunkBytes: meta('bytes', 'source', fixed(2 * 1024 * 1024, 'KVM TDX_MAP_GPA_MAX_LEN, a constant')),
  cacheFlushPer4kNs: meta('ns', 'derived', derived(90, 'one 2016 streaming benchmark')),
  clflushPer4kNs: meta('ns', 'derived', derived(900, 'one 2016 streaming benchmark')),
  cacheLineBytes: meta('bytes', 'source', fixed(64, 'the x86 cache line')),
  tlbFlushSinglePageNs: meta('ns', 'source', derived(100, '"about 100 ns" in a comment of arch/x86/mm/tlb.c')),
  tlbSinglePageFlushCeiling: meta('pages', 'source', fixed(33, 'tlb_single_page_flush_ceiling, a kernel default')),
  tlbFlushFullNs: meta('ns', 'derived', wide(3_300, 'assumption', 'ceiling × single-page flush, no measurement')),
  ipiCycles: meta('cycles', 'source', { low: 3_650, high: 4_300, basis: 'source', note: '3,650 cycles with IPI virtualization, 4,300 without (KVM list, 2022)' }),
  cpuGHz: meta('GHz', 'assumption', { low: 1, high: 4, basis: 'assumption', note: 'no source; the clock of current server cores (×0.5–×2: a ×4 clock is not a CPU)' }),
  bounceBytesPerNs: meta('bytes/ns (= GB/s)', 'assumption', { low: 10, high: 30, basis: 'source', note: '~10–30 GB/s per core for memcpy-class copies' }),
  swiotlbSingleLockFactor: meta('ratio', 'source', { low: 0.44, high: 0.74, basis: 'derived', note: 'one measurement (20 vs 34 Gb/s, 2022); ±25 %' }),
  quoteGenerationNs: meta('ns', 'source', { low: 3_000_000, high: 11_000_000, basis: 'source', note: 'typical ~4 ms, range 3–11 ms (LKML 2026-02, Granite Rapids)' }),
  pageAllocNs: meta('ns', 'assumption', { low: 0, high: 500, basis: 'assumption', note: 'the buddy fast path, not charged by default; no source, up to 0.5 µs per call' }),
  hostDemoteNs: meta('ns', 'proxy', wide(10_000, 'proxy', 'TDH.MEM.PAGE.DEMOTE: the low end of the per-page teardown figure, no DEMOTE measurement')),
  directMap4kThroughputLoss: meta('fraction', 'source', { low: 0.005, high: 0.009, basis: 'source', note: '0.5–0.9 % fleet throughput, 4K vs 1G direct map (Song Liu, 2022)' }),
  directMap2mThroughputLoss: meta('fraction', 'assumption', {
    low: 0,
    high: 0.005,
    basis: 'assumption',
    note: "no consistent 2M-vs-1G winner in 259 tests (Xing Zhengjun, 2021): 0 up to the 4K figure's low end",
  }),
  acceptTdcallNs: meta('ns', 'derived', { low: 0, high: 700, basis: 'derived', note: '0 while the accept figures are all-in; up to one TDCALL (tdcallNs) when they are not' }),
  hostSeptRemovePer4kNs: meta('ns', 'proxy', {
    low: 10_000,
    high: 70_000,
    basis: 'proxy',
    note: 'the 10–25 µs per-page TD-destruction figure (KVM list, 2024-03) is a floor for run-time removal, which does more SEAMCALLs; 10 µs to ×4 the midpoint',
  }),
  hostTrackKickPerVcpuNs: meta('ns', 'proxy', wide(2_150, 'proxy', 'one IPI in a plain VM (KVM list, 2022); no TDX figure for a TRACK kick')),
  ipiHostDeliveryCycles: meta('cycles', 'proxy', wide(650, 'proxy', 'the difference between IPIs with and without IPI virtualization (KVM list, 2022)')),
};
