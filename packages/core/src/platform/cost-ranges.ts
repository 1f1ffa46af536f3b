import type { CostParams } from './cost.js';

/**
 * How far a cost parameter's true value may plausibly lie from its default
 * (docs/model.md §8): what `tdx-shbuf run --sensitivity` varies it over.
 *
 * - `source`: the parameter's source gives the range itself.
 * - `derived`: derived from one figure; ×0.5–×2 unless stated.
 * - `floor`: the default is a lower bound; ×1–×4.
 * - `proxy` / `assumption`: no source for TDX at all; a wide ×0.25–×4.
 * - `fixed`: a kernel or KVM constant, not uncertain; low = high = default and never varied.
 *
 * Keyed by parameter name so that adding a parameter to costParamsSchema
 * without a range fails to type-check (and cost-ranges.test.ts fails).
 */
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

export const COST_PARAM_RANGES: Readonly<Record<keyof CostParams, CostParamRange>> = {
  tdvmcallRoundTripNs: wide(4_000, 'proxy', 'SEV-SNP VMGEXIT figure, no TDX measurement'),
  tdcallNs: wide(700, 'proxy', 'SEV-SNP in-guest path, no TDX measurement'),
  acceptPer4kNs: derived(2_500, 'one figure: 90 GiB accepted in ~60 s on one vCPU'),
  acceptPer2mNs: floor(70_000, 'floor from zeroing 2 MiB at ~30 GB/s; the real figure is unknown'),
  acceptPer1gNs: floor(35_840_000, '512 × the 2 MiB floor'),
  hostTeardownPer4kNs: { low: 10_000, high: 25_000, basis: 'source', note: 'derived range 10–25 µs from "hundreds of GB … tens of minutes" (KVM list, 2024-03)' },
  hostAugPer4kNs: wide(4_000, 'proxy', 'one TDVMCALL round trip; no per-SEAMCALL figure published'),
  hostSharedZapPer2mNs: wide(4_000, 'proxy', 'one TDVMCALL round trip; no per-SEAMCALL figure published'),
  mapGpaChunkBytes: fixed(2 * 1024 * 1024, 'KVM TDX_MAP_GPA_MAX_LEN, a constant'),
  cacheFlushPer4kNs: derived(90, 'one 2016 streaming benchmark'),
  clflushPer4kNs: derived(900, 'one 2016 streaming benchmark'),
  cacheLineBytes: fixed(64, 'the x86 cache line'),
  tlbFlushSinglePageNs: derived(100, '"about 100 ns" in a comment of arch/x86/mm/tlb.c'),
  tlbSinglePageFlushCeiling: fixed(33, 'tlb_single_page_flush_ceiling, a kernel default'),
  tlbFlushFullNs: wide(3_300, 'assumption', 'ceiling × single-page flush, no measurement'),
  ipiCycles: { low: 3_650, high: 4_300, basis: 'source', note: '3,650 cycles with IPI virtualization, 4,300 without (KVM list, 2022)' },
  cpuGHz: { low: 1, high: 4, basis: 'assumption', note: 'no source; the clock of current server cores (×0.5–×2: a ×4 clock is not a CPU)' },
  bounceBytesPerNs: { low: 10, high: 30, basis: 'source', note: '~10–30 GB/s per core for memcpy-class copies' },
  swiotlbSingleLockFactor: { low: 0.44, high: 0.74, basis: 'derived', note: 'one measurement (20 vs 34 Gb/s, 2022); ±25 %' },
  quoteGenerationNs: { low: 3_000_000, high: 11_000_000, basis: 'source', note: 'typical ~4 ms, range 3–11 ms (LKML 2026-02, Granite Rapids)' },
  pageAllocNs: { low: 0, high: 500, basis: 'assumption', note: 'the buddy fast path, not charged by default; no source, up to 0.5 µs per call' },
  hostDemoteNs: wide(10_000, 'proxy', 'TDH.MEM.PAGE.DEMOTE: the low end of the per-page teardown figure, no DEMOTE measurement'),
  directMap4kThroughputLoss: { low: 0.005, high: 0.009, basis: 'source', note: '0.5–0.9 % fleet throughput, 4K vs 1G direct map (Song Liu, 2022)' },
  directMap2mThroughputLoss: { low: 0, high: 0.005, basis: 'assumption', note: 'no consistent 2M-vs-1G winner in 259 tests (Xing Zhengjun, 2021): 0 up to the 4K figure\'s low end' },
};
