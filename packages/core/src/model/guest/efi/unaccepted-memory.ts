import { RangeMap } from '../../memory/range-map.js';
import { PAGES_2M } from '../../../abi/units.js';
import type { RamRange } from '../../memory/phys-mem.js';
import type { Counters } from '../../sim/metrics.js';
import type { Scheduler } from '../../sim/scheduler.js';

/**
 * unit_size of the EFI unaccepted-memory table: the EFI stub sets it to
 * PMD_SIZE, 2 MiB (drivers/firmware/efi/libstub/unaccepted_memory.c,
 * EFI_UNACCEPTED_UNIT_SIZE). In page frames.
 */
export const UNACCEPTED_UNIT_PAGES = PAGES_2M;

/**
 * The RAM a TDX guest starts with unaccepted (docs/model.md §3 "Unaccepted
 * memory"): TDVF accepts everything below 4 GiB before it hands over (edk2
 * SecTdxHelper.c AcceptMemory, AcceptMemoryEndAddress = BASE_4GB); the EFI
 * stub's process_unaccepted_memory() accepts any piece smaller than a unit at
 * either end of a range and records the whole units in the bitmap. So: the
 * unit-aligned part of every RAM range above 4 GiB.
 */
export function initiallyUnaccepted(ram: readonly RamRange[], firmwareAcceptsBelowPfn: number): RamRange[] {
  const out: RamRange[] = [];
  for (const r of ram) {
    const start = Math.ceil(Math.max(r.startPfn, firmwareAcceptsBelowPfn) / UNACCEPTED_UNIT_PAGES) * UNACCEPTED_UNIT_PAGES;
    const end = Math.floor(r.endPfn / UNACCEPTED_UNIT_PAGES) * UNACCEPTED_UNIT_PAGES;
    if (end > start) out.push({ startPfn: start, endPfn: end });
  }
  return out;
}

/**
 * The EFI unaccepted-memory bitmap and its two users
 * (drivers/firmware/efi/unaccepted_memory.c), one bit per 2 MiB unit, kept as
 * ranges so a 4 TiB guest costs a few entries. accept_memory() and
 * range_contains_unaccepted_memory() both extend a unit-aligned `end` by one
 * unit: load_unaligned_zeropad() may read into the next page, and a load from
 * unaccepted memory kills a TD, so one extra "guard" unit is always accepted
 * next to memory about to be used.
 */
export class UnacceptedMemory {
  /** 1 = the unit is still unaccepted. Indexed by unit (pfn / 512). */
  private readonly bitmap: RangeMap;

  constructor(
    maxPfn: number,
    pending: readonly RamRange[],
    private readonly counters: Counters,
    private readonly sched: Scheduler,
    /** arch_accept_memory(start, end) → tdx_accept_memory(), page frames; it panics on failure. */
    private readonly archAcceptMemory: (startPfn: number, endPfn: number) => void,
  ) {
    this.bitmap = new RangeMap(Math.ceil(maxPfn / UNACCEPTED_UNIT_PAGES) + 1, 0);
    for (const r of pending) {
      this.bitmap.set(r.startPfn / UNACCEPTED_UNIT_PAGES, r.endPfn / UNACCEPTED_UNIT_PAGES, 1);
      counters.unacceptedPages += r.endPfn - r.startPfn;
    }
  }

  /** Units [from, to) an operation on page frames [start, end) looks at: `end` rounded up, plus one unit when it is unit-aligned. */
  private units(startPfn: number, endPfn: number): [number, number] {
    const u = UNACCEPTED_UNIT_PAGES;
    const end = endPfn % u === 0 ? endPfn + u : endPfn; // "if (!(end % unit_size)) end += unit_size;"
    return [Math.floor(startPfn / u), Math.min(Math.ceil(end / u), this.bitmap.limit)];
  }

  /** range_contains_unaccepted_memory(start, end), with the next unit when `end` is unit-aligned. */
  rangeContainsUnacceptedMemory(startPfn: number, endPfn: number): boolean {
    const [from, to] = this.units(startPfn, endPfn);
    if (from >= to) return false;
    return !this.bitmap.every(from, to, (v) => v === 0);
  }

  /**
   * accept_memory(start, end): arch_accept_memory() on every run of set bits in
   * the range (the extra unit included), then clear them. Returns the units accepted.
   */
  acceptMemory(startPfn: number, endPfn: number): number {
    const [from, to] = this.units(startPfn, endPfn);
    if (from >= to) return 0;
    const runs: [number, number][] = [];
    this.bitmap.forEachRun(from, to, (s, e, v) => void (v === 1 && runs.push([s, e])));
    let units = 0;
    const t0 = this.sched.now();
    for (const [s, e] of runs) {
      this.archAcceptMemory(s * UNACCEPTED_UNIT_PAGES, e * UNACCEPTED_UNIT_PAGES); // each TDG.MEM.PAGE.ACCEPT charges the 'accept' phase
      this.bitmap.set(s, e, 0);
      units += e - s;
    }
    this.counters.acceptMemoryUnits += units;
    this.counters.unacceptedPages -= units * UNACCEPTED_UNIT_PAGES;
    this.counters.lazyAcceptNs += this.sched.now() - t0;
    return units;
  }

  /**
   * The aligned `blockPages` blocks in [startPfn, endPfn) (both block-aligned)
   * for which rangeContainsUnacceptedMemory(block, block + blockPages) holds,
   * as merged runs of page frames — found from the bitmap's runs, not block by
   * block, so a 4 TiB guest boots in a few steps.
   */
  blocksContainingUnaccepted(startPfn: number, endPfn: number, blockPages: number): [number, number][] {
    const k = blockPages / UNACCEPTED_UNIT_PAGES; // units per block; a block looks at k + 1 units
    const b0 = startPfn / blockPages;
    const b1 = endPfn / blockPages;
    const out: [number, number][] = [];
    const [from, to] = this.units(startPfn, endPfn);
    this.bitmap.forEachRun(Math.max(0, from - 1), to, (u0, u1, v) => {
      if (v !== 1) return;
      // block b sees units [b·k, b·k + k + 1): it meets [u0, u1) when b·k < u1 and b·k + k + 1 > u0
      const s = Math.max(b0, Math.floor((u0 - k - 1) / k) + 1);
      const e = Math.min(b1, Math.ceil(u1 / k));
      if (s >= e) return;
      const last = out[out.length - 1];
      if (last && last[1] >= s * blockPages) last[1] = Math.max(last[1], e * blockPages);
      else out.push([s * blockPages, e * blockPages]);
    });
    return out;
  }
}
