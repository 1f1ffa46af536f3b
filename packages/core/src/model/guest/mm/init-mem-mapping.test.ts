import { describe, expect, it } from 'vitest';
import { ISA_END_PFN, initMemMapping, memblockMemory } from './init-mem-mapping.js';
import { DirectMap, Level } from './direct-map.js';
import { newCounters } from '../../sim/metrics.js';
import { q35Layout } from '../../parts.js';
import { GiB, KiB, MiB, PAGE_SIZE } from '../../../abi/units.js';

const M = MiB / PAGE_SIZE;
const G = GiB / PAGE_SIZE;
const build = (bytes: number, gbPages = true) => {
  const ram = q35Layout(bytes);
  return new DirectMap(ram[ram.length - 1]!.endPfn, ram, gbPages, newCounters(), { allocPageTable: () => true, flushTlbAll: () => {} });
};

describe('init_mem_mapping() (docs/model.md §3 "Boot state"; arch/x86/mm/init.c)', () => {
  it('trim_bios_range() takes page 0 and the PC BIOS area [0xa0000, 1 MiB) out of memblock memory', () => {
    expect(memblockMemory([{ startPfn: 0, endPfn: 2 * G }])).toEqual([
      { startPfn: 1, endPfn: 0xa0 },
      { startPfn: ISA_END_PFN, endPfn: 2 * G },
    ]);
  });

  it('a 16 GiB q35 TD: [0, 2 MiB) at 4K, [2 MiB, 1 GiB) at 2M, the rest at 1G', () => {
    const dm = build(16 * GiB);
    expect(dm.level(0)).toBe(Level.L4K); // the ISA range, mapped regardless of holes
    expect(dm.level(0xb0)).toBe(Level.L4K);
    expect(dm.level(2 * M - 1)).toBe(Level.L4K); // [1 MiB, 2 MiB): its 2M region is not all memory
    expect(dm.level(2 * M)).toBe(Level.L2M);
    expect(dm.level(G - 1)).toBe(Level.L2M); // [0, 1 GiB) holds the BIOS hole: no 1G page
    expect(dm.level(G)).toBe(Level.L1G);
    expect(dm.level(4 * G)).toBe(Level.L1G);
    // memory_map_top_down() maps [18 GiB − 2 MiB, 18 GiB), then −64 MiB, then down to 16 GiB in
    // 2M-aligned chunks; adjust_range_page_size_mask() still gives the top GiB one 1G page
    expect(dm.level(18 * G - 1)).toBe(Level.L1G);
    expect(dm.level(3 * G)).toBeUndefined(); // the PCI hole
    expect(dm.meminfo()).toEqual({ DirectMap4k: 2048, DirectMap2M: (GiB - 2 * MiB) / KiB, DirectMap1G: (15 * GiB) / KiB });
  });

  it('memory_map_top_down() maps from the top in chunks of 2M, 64M, 2G, 64G…', () => {
    const pieces = initMemMapping(q35Layout(16 * GiB), true).slice(1); // after the ISA range
    expect(pieces.slice(0, 3).map(([s, e]) => [s / M, e / M])).toEqual([
      [18 * 1024 - 2, 18 * 1024],
      [18 * 1024 - 64, 18 * 1024 - 2],
      [16 * 1024, 17 * 1024], // [16 GiB, 18 GiB − 64 MiB): 1G, then the 2M tail promoted to 1G
    ]);
  });

  it('RAM ending off a 1 GiB boundary keeps 2M (and 4K) pages at its top', () => {
    const dm = build(16 * GiB + 3 * MiB);
    expect(dm.level(18 * G - 1)).toBe(Level.L1G);
    expect(dm.level(18 * G)).toBe(Level.L2M);
    expect(dm.level(18 * G + 2 * M)).toBe(Level.L4K);
  });

  it('without 1 GiB pages (no X86_FEATURE_GBPAGES) everything above 2 MiB is 2M', () => {
    const dm = build(16 * GiB, false);
    expect(dm.meminfo().DirectMap1G).toBe(0);
    expect(dm.level(10 * G)).toBe(Level.L2M);
  });
});
