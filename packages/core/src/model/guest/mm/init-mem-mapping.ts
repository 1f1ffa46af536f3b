import { PAGES_1G, PAGES_2M } from '../../../abi/units.js';
import type { RamRange } from '../../memory/phys-mem.js';

/** A piece of the direct map as kernel_physical_mapping_init() maps it: page frames and level (0 = 4K, 1 = 2M, 2 = 1G). */
export type MapPiece = readonly [start: number, end: number, level: 0 | 1 | 2];

/** ISA_END_ADDRESS (1 MiB), in page frames: init_mem_mapping() maps [0, ISA_END) first, "regardless of memory holes". */
export const ISA_END_PFN = 256;
/** BIOS_BEGIN / BIOS_END (0xa0000, 0x100000): trim_bios_range() removes the PC BIOS area from RAM whatever the firmware says. */
const BIOS_BEGIN_PFN = 0xa0;

/**
 * memblock.memory as x86 setup_arch() leaves it: the RAM ranges minus what
 * trim_bios_range() takes out — page 0 (made E820_TYPE_RESERVED) and the PC BIOS
 * area [0xa0000, 0x100000) — since e820__memblock_setup() adds only RAM.
 */
export function memblockMemory(ram: readonly RamRange[]): RamRange[] {
  const out: RamRange[] = [];
  for (const r of ram) {
    for (const [s, e] of [
      [r.startPfn, Math.min(r.endPfn, BIOS_BEGIN_PFN)],
      [Math.max(r.startPfn, ISA_END_PFN), r.endPfn],
    ] as const) {
      const start = Math.max(s, 1);
      if (e > start) out.push({ startPfn: start, endPfn: e });
    }
  }
  return out;
}

const roundUp = (x: number, a: number) => Math.ceil(x / a) * a;
const roundDown = (x: number, a: number) => Math.floor(x / a) * a;
const isMemory = (mem: readonly RamRange[], s: number, e: number) => mem.some((r) => s >= r.startPfn && e <= r.endPfn);

/**
 * split_mem_range() for x86-64 (arch/x86/mm/init.c): a 4K head up to the first
 * 2M boundary, 2M up to the first 1G boundary, 1G, a 2M tail, a 4K tail; then
 * adjust_range_page_size_mask(): a piece whose surrounding 2M (or 1G) region is
 * all memblock memory is mapped with the bigger page.
 */
function splitMemRange(s: number, e: number, gbPages: boolean, mem: readonly RamRange[]): MapPiece[] {
  const out: [number, number, 0 | 1 | 2][] = [];
  let pfn = s;
  const save = (a: number, b: number, level: 0 | 1 | 2) => {
    if (a < b) out.push([a, b, level]);
    if (a < b) pfn = b;
  };
  save(s, Math.min(roundUp(s, PAGES_2M), e), 0);
  save(roundUp(pfn, PAGES_2M), Math.min(roundUp(pfn, PAGES_1G), roundDown(e, PAGES_2M)), 1);
  save(roundUp(pfn, PAGES_1G), roundDown(e, PAGES_1G), gbPages ? 2 : 1);
  save(roundUp(pfn, PAGES_2M), roundDown(e, PAGES_2M), 1);
  save(pfn, e, 0);
  return out.map(([a, b, level]) => {
    let l = level;
    if (l < 1 && isMemory(mem, roundDown(a, PAGES_2M), roundUp(b, PAGES_2M))) l = 1;
    if (l < 2 && gbPages && isMemory(mem, roundDown(a, PAGES_1G), roundUp(b, PAGES_1G))) l = 2;
    return [a, b, l] as const;
  });
}

/**
 * init_mem_mapping() (arch/x86/mm/init.c): init_memory_mapping(0, ISA_END),
 * then memory_map_top_down(ISA_END, max_pfn) — from the top-most free 2M block
 * down in chunks of 2M, 64M, 2G, 64G… (get_new_step_size: step << 5 once the
 * mapped RAM reaches the step), each chunk's RAM through split_mem_range().
 * With 1G pages and the PC BIOS hole, [0, 2 MiB) ends up at 4K and
 * [2 MiB, 1 GiB) at 2M (docs/model.md §3 "Boot state"). A piece promoted by
 * adjust_range_page_size_mask() maps its whole aligned region (phys_pud_init
 * and phys_pmd_init set one leaf), so later chunks reuse it.
 */
export function initMemMapping(ram: readonly RamRange[], gbPages: boolean): MapPiece[] {
  const mem = memblockMemory(ram);
  const pieces: MapPiece[] = [[0, ISA_END_PFN, 0]];
  const top = mem[mem.length - 1];
  if (!top) return pieces;
  const mapEnd = top.endPfn;
  // memblock_phys_alloc_range(PMD_SIZE, PMD_SIZE, map_start, map_end): the top-most free 2M block (the top of RAM is free).
  const realEnd = Math.max(ISA_END_PFN, roundDown(mapEnd, PAGES_2M));
  const initRange = (a: number, b: number) => {
    let mapped = 0;
    for (const r of mem) {
      const s = Math.max(a, r.startPfn);
      const e = Math.min(b, r.endPfn);
      if (s >= e) continue;
      pieces.push(...splitMemRange(s, e, gbPages, mem));
      mapped += e - s;
    }
    return mapped;
  };
  let step = PAGES_2M;
  let lastStart = realEnd;
  let mapped = 0;
  while (lastStart > ISA_END_PFN) {
    const start = lastStart > step ? Math.max(roundDown(lastStart - 1, step), ISA_END_PFN) : ISA_END_PFN;
    mapped += initRange(start, lastStart);
    lastStart = start;
    if (mapped >= step) step *= 32;
  }
  if (realEnd < mapEnd) initRange(realEnd, mapEnd);
  return pieces;
}
