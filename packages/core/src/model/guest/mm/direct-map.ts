import { RangeMap } from '../../memory/range-map.js';
import { PAGES_1G, PAGES_2M, PAGE_SIZE, alignDown } from '../../../abi/units.js';
import type { RamRange } from '../../memory/phys-mem.js';
import type { Counters } from '../../sim/metrics.js';
import { initMemMapping } from './init-mem-mapping.js';

/**
 * The kernel's direct map of all RAM (arch/x86/mm/init.c, init_64.c), laid
 * out by init_mem_mapping() (init-mem-mapping.ts): 1 GiB pages where the CPU
 * has them (else 2 MiB), 4 KiB at [0, 2 MiB) and unaligned edges; and
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
    // kernel_physical_mapping_init over init_mem_mapping()'s pieces: a big leaf maps its
    // whole aligned region, and a region already mapped keeps its leaf (phys_pud_init/phys_pmd_init).
    for (const [s, e, level] of initMemMapping(ram, gbPages)) {
      const size = PAGES_AT[level];
      this.mapRange(Math.floor(s / size) * size, Math.min(maxPfn, Math.ceil(e / size) * size), level);
    }
  }

  private mapRange(from: number, to: number, level: Level): void {
    const holes: [number, number][] = [];
    this.map.forEachRun(from, to, (s, e, v) => void (v === UNMAPPED && holes.push([s, e])));
    for (const [s, e] of holes) {
      this.map.set(s, e, level * 2 + 1);
      this.pagesAt[level]! += e - s;
    }
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

  /** End (exclusive) of the run of equal mapping (level and protection, or none) that holds `pfn`. */
  runEnd(pfn: number): number {
    return this.map.runEnd(pfn);
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
    if (n <= 0) return true;
    const end = pfn + n;
    if (!this.splitEdges(pfn, end, enc ? 1 : 0)) return false;
    const want = enc ? 1 : 0;
    // The protection of every mapped page becomes `enc`; holes stay holes.
    const last = Math.min(end, this.map.limit);
    for (let p = pfn; p < last; ) {
      const v = this.map.get(p);
      const e = Math.min(this.map.runEnd(p), last);
      if (v !== UNMAPPED && (v & 1) !== want) this.map.set(p, e, (v & ~1) | want);
      p = e;
    }
    return true;
  }

  /**
   * __change_page_attr for a protection other than encryption (RO/RW, NX) over
   * [pfn, pfn+n) whose large pages all have a different protection: each one
   * the range does not cover whole is split (as free_init_pages()'
   * set_memory_rw() splits the direct-map alias of a kernel-image gap).
   */
  changeOtherProt(pfn: number, n: number): boolean {
    return n <= 0 || this.splitEdges(pfn, pfn + n, -1);
  }

  /**
   * The split half of __change_page_attr: 1G then 2M pages at either edge,
   * kept when covered or when their protection already is `enc` (0 or 1;
   * −1: a protection other than encryption, which always differs).
   */
  private splitEdges(pfn: number, end: number, enc: number): boolean {
    for (let level = Level.L1G; level >= Level.L2M; level--) {
      if (!this.splitEdge(pfn, end, pfn, level, enc)) return false;
      if (!this.splitEdge(pfn, end, end - 1, level, enc)) return false;
    }
    return true;
  }

  /** Split the `level` page holding `edge` unless it is not one, [pfn, end) covers it whole, or its protection is already `enc`. */
  private splitEdge(pfn: number, end: number, edge: number, level: Level, enc: number): boolean {
    const size = PAGES_AT[level];
    const base = alignDown(edge, size);
    const v = this.map.get(base);
    if (v === UNMAPPED || v >> 1 !== level) return true;
    if (base >= pfn && base + size <= end) return true;
    if ((v & 1) === enc) return true;
    if (!this.hooks.allocPageTable()) return false;
    this.map.set(base, base + size, (level - 1) * 2 + (v & 1));
    this.pagesAt[level]! -= size;
    this.pagesAt[level - 1]! += size;
    if (level === Level.L1G) this.counters.directMapLevel3Splits++;
    else this.counters.directMapLevel2Splits++;
    this.counters.pageTablePages++;
    this.hooks.flushTlbAll();
    return true;
  }

  /** Number of ranges held (memory use). */
  get ranges(): number {
    return this.map.size;
  }
}
