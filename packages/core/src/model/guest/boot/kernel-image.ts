import type { Guest } from '../guest.js';
import type { KernelSectionsConfig } from '../../../platform/boot-state.js';
import { PAGES_2M } from '../../../abi/units.js';

/** The kernel image's sections in page frames: _text, _etext, __start_rodata, __end_rodata, __end_rodata_hpage_align (= _sdata). */
export interface KernelLayout {
  readonly text: number;
  readonly etext: number;
  readonly startRodata: number;
  readonly endRodata: number;
  readonly endRodataHpageAlign: number;
}

const up2m = (pfn: number) => Math.ceil(pfn / PAGES_2M) * PAGES_2M;

/**
 * The x86-64 vmlinux.lds.S layout from _text at the load address:
 * X86_ALIGN_RODATA_BEGIN/END align __start_rodata and __end_rodata_hpage_align
 * to HPAGE_SIZE (2 MiB) so text and rodata can be mapped with large pages.
 */
export function kernelLayout(textPfn: number, s: KernelSectionsConfig): KernelLayout {
  const etext = textPfn + s.textBytes / 4096;
  const startRodata = up2m(etext);
  const endRodata = startRodata + s.rodataBytes / 4096;
  return { text: textPfn, etext, startRodata, endRodata, endRodataHpageAlign: up2m(endRodata) };
}

/**
 * mark_rodata_ro() (arch/x86/mm/init_64.c), as far as the direct map sees it
 * (docs/model.md §3 "Boot state": the kernel image has split parts of the direct map before any driver loads):
 * set_memory_ro(_text … __end_rodata_hpage_align) also makes the direct-map
 * alias RO (cpa_process_alias; "kernel text mapping will always be RO", the
 * identity mapping too) — 2 MiB-aligned at both ends, so no split; the NX
 * change never reaches the alias (the direct map is always NX). Then
 * free_kernel_image_pages() frees the text/rodata gap [_etext,
 * __start_rodata) and the rodata/data gap [__end_rodata, _sdata):
 * free_init_pages() → set_memory_rw() on each makes part of an RO 2M page of
 * the direct map RW, which splits it (direct_map_level2_splits), and
 * free_reserved_area() hands the pages to the page allocator.
 */
export function markRodataRo(m: Guest, layout: KernelLayout): void {
  for (const [s, e] of [
    [layout.etext, layout.startRodata],
    [layout.endRodata, layout.endRodataHpageAlign],
  ] as const) {
    if (e <= s) continue;
    if (!m.directMap.changeOtherProt(s, e - s)) throw new Error('boot: mark_rodata_ro: no page for a page table');
    m.pages.freeReservedArea(s, e - s);
  }
}
