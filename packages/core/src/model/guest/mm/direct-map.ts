import { RangeMap } from '../../memory/range-map.js';
import { PAGES_1G, PAGES_2M, PAGE_SIZE } from '../../../abi/units.js';
import type { RamRange } from '../../memory/phys-mem.js';
import type { Counters } from '../../sim/metrics.js';

/**
 * The kernel's direct map of all RAM (arch/x86/mm/init.c, init_64.c): 1 GiB
 * pages where the CPU has them (else 2 MiB), 4 KiB at unaligned edges; and
 * the large-page split rule of arch/x86/mm/pat/set_memory.c. Splits for
 * encryption changes are never undone (docs/model.md §3).
 *
 * One RangeMap value per page: level * 2 + enc, where level 0 = 4K, 1 = 2M,
 * 2 = 1G, and enc = 1 for a private (encrypted) mapping, 0 for a shared
 * (pgprot_decrypted) one. UNMAPPED marks holes.
 */
export enum Level {
  L4K = 0,
  L2M = 1,
  L1G = 2,
}
const UNMAPPED = 7;
const PAGES_AT = [1, PAGES_2M, PAGES_1G] as const;

export interface DirectMapHooks {
  /** split_large_page: alloc_pages(GFP_KERNEL, 0) for the new page table; false on ENOMEM. */
  allocPageTable(): boolean;
  /** split_large_page ends with flush_tlb_all(). */
  flushTlbAll(): void;
}

export class DirectMap {
  private readonly map: RangeMap;
  /** Pages mapped at each level: direct_pages_count[] (DirectMap4k/2M/1G in /proc/meminfo). */
  readonly pagesAt = [0, 0, 0];

  constructor(
    maxPfn: number,
    ram: readonly RamRange[],
    readonly gbPages: boolean,
    private readonly counters: Counters,
    private readonly hooks: DirectMapHooks,
  ) {
    this.map = new RangeMap(maxPfn, UNMAPPED);
    // kernel_physical_mapping_init over split_mem_range(): 4K head up to the
    // first 2M boundary, 2M up to the first 1G boundary, 1G body, then 2M and 4K tails.
    for (const r of ram) {
      const up = (x: number, a: number) => Math.min(r.endPfn, Math.ceil(x / a) * a);
      const down = (x: number, a: number) => Math.max(r.startPfn, Math.floor(x / a) * a);
      const head4k = up(r.startPfn, PAGES_2M);
      const head2m = Math.max(head4k, down(up(r.startPfn, PAGES_1G), PAGES_2M));
      const tail2m = Math.max(head2m, down(r.endPfn, PAGES_1G));
      const tail4k = Math.max(tail2m, down(r.endPfn, PAGES_2M));
      const bodyLevel = this.gbPages ? Level.L1G : Level.L2M;
      this.mapRange(r.startPfn, head4k, Level.L4K);
      this.mapRange(head4k, head2m, Level.L2M);
      this.mapRange(head2m, tail2m, bodyLevel);
      this.mapRange(tail2m, tail4k, Level.L2M);
      this.mapRange(tail4k, r.endPfn, Level.L4K);
    }
  }

  private mapRange(from: number, to: number, level: Level): void {
    if (from >= to) return;
    this.map.set(from, to, level * 2 + 1);
    this.pagesAt[level]! += to - from;
  }

  /** Mapping level at `pfn`, or undefined when not mapped. */
  level(pfn: number): Level | undefined {
    const v = this.map.get(pfn);
    return v === UNMAPPED ? undefined : ((v >> 1) as Level);
  }

  /** Whether `pfn` is mapped private (encrypted); undefined when not mapped. */
  encrypted(pfn: number): boolean | undefined {
    const v = this.map.get(pfn);
    return v === UNMAPPED ? undefined : (v & 1) === 1;
  }

  /** Whether no page of [from, to) is mapped private. */
  noneEncrypted(from: number, to: number): boolean {
    return this.map.every(from, to, (v) => v === UNMAPPED || (v & 1) === 0);
  }

  /** Runs over [from, to) as (start, end, encrypted); unmapped runs are skipped. */
  forEachRun(from: number, to: number, fn: (s: number, e: number, encrypted: boolean) => void): void {
    this.map.forEachRun(from, to, (s, e, v) => {
      if (v !== UNMAPPED) fn(s, e, (v & 1) === 1);
    });
  }

  /** DirectMap4k / DirectMap2M / DirectMap1G in kB, as /proc/meminfo prints them. */
  meminfo(): { DirectMap4k: number; DirectMap2M: number; DirectMap1G: number } {
    const kb = PAGE_SIZE / 1024;
    return { DirectMap4k: this.pagesAt[0]! * kb, DirectMap2M: this.pagesAt[1]! * kb, DirectMap1G: this.pagesAt[2]! * kb };
  }

  /**
   * __change_page_attr for [pfn, pfn+n) to `enc`: a large page is kept when the
   * request covers it whole or its protection is already `enc`
   * (__should_split_large_page); otherwise it is split (1G → 512×2M counted in
   * direct_map_level3_splits, 2M → 512×4K in direct_map_level2_splits), one
   * page-table page and one flush_tlb_all() per split. Returns false when a
   * page-table page cannot be allocated (-ENOMEM in split_large_page).
   */
  changeProt(pfn: number, n: number, enc: boolean): boolean {
    const end = pfn + n;
    if (n <= 0) return true;
    for (const level of [Level.L1G, Level.L2M] as const) {
      const size = PAGES_AT[level];
      for (const edge of [pfn, end - 1]) {
        const base = edge - (edge % size);
        const v = this.map.get(base);
        if (v === UNMAPPED || v >> 1 !== level) continue;
        const covered = base >= pfn && base + size <= end;
        if (covered || (v & 1) === Number(enc)) continue;
        if (!this.hooks.allocPageTable()) return false;
        this.map.set(base, base + size, (level - 1) * 2 + (v & 1));
        this.pagesAt[level]! -= size;
        this.pagesAt[level - 1]! += size;
        if (level === Level.L1G) this.counters.directMapLevel3Splits++;
        else this.counters.directMapLevel2Splits++;
        this.counters.pageTablePages++;
        this.hooks.flushTlbAll();
      }
    }
    this.map.update(pfn, end, (v) => (v === UNMAPPED ? v : (v & ~1) | Number(enc)));
    return true;
  }

  /** Number of ranges held (memory use). */
  get ranges(): number {
    return this.map.size;
  }
}
