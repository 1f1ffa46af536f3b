import { GiB, MiB, PAGE_SIZE, TDX_STATUS, type AcceptLevel, type Kernel } from '@tdx-shbuf/core';

const SIZES: readonly [AcceptLevel, number][] = [
  ['1g', GiB],
  ['2m', 2 * MiB],
  ['4k', PAGE_SIZE],
];

/**
 * Accept [start, end) after MapGPA(private), open-coded on TDG.MEM.PAGE.ACCEPT
 * as tdx_accept_memory() / try_accept_one() do it (arch/x86/coco/tdx/tdx-shared.c):
 * for each piece try 1 GiB, then 2 MiB, then 4 KiB where the piece is aligned
 * and long enough; a larger accept that fails for any reason (TDX_PAGE_SIZE_MISMATCH
 * when the host mapped smaller, or anything else) falls back to the next size,
 * and only a failed 4 KiB accept fails the conversion (the caller leaks the pages).
 */
export function acceptRange(kernel: Kernel, start: number, end: number): { ok: true } | { ok: false; why: string } {
  while (start < end) {
    let accepted = 0;
    let last = 0n;
    for (const [level, size] of SIZES) {
      if (start % size !== 0 || end - start < size) continue;
      last = kernel.tdcallMemPageAccept(start, level);
      if (last === TDX_STATUS.SUCCESS) {
        accepted = size;
        break;
      }
    }
    if (!accepted) return { ok: false, why: `TDG.MEM.PAGE.ACCEPT(4K) of 0x${start.toString(16)}: 0x${last.toString(16)}` };
    start += accepted;
  }
  return { ok: true };
}
