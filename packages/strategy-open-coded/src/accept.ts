import { PAGE_SIZE, TDX_STATUS, type Kernel } from '@tdx-shbuf/core';

const SZ_2M = 2 * 1024 * 1024;

/**
 * Accept [start, end) after MapGPA(private), open-coded on TDG.MEM.PAGE.ACCEPT
 * as try_accept_one() does it (arch/x86/coco/tdx/tdx-shared.c): a 2 MiB accept
 * where the piece is 2 MiB aligned and long enough, falling back to 4 KiB when
 * the host mapped smaller (TDX_PAGE_SIZE_MISMATCH); 4 KiB otherwise. Any other
 * status fails the whole conversion (the caller leaks the pages).
 */
export function acceptRange(kernel: Kernel, start: number, end: number): { ok: true } | { ok: false; why: string } {
  while (start < end) {
    if (start % SZ_2M === 0 && end - start >= SZ_2M) {
      const s = kernel.tdcallMemPageAccept(start, '2m');
      if (s === TDX_STATUS.SUCCESS) {
        start += SZ_2M;
        continue;
      }
      if (s !== TDX_STATUS.PAGE_SIZE_MISMATCH) return { ok: false, why: `TDG.MEM.PAGE.ACCEPT(2M) of 0x${start.toString(16)}: 0x${s.toString(16)}` };
      // TDX_PAGE_SIZE_MISMATCH: the host mapped 4K; accept this 2 MiB piece page by page.
    }
    const s = kernel.tdcallMemPageAccept(start, '4k');
    if (s !== TDX_STATUS.SUCCESS) return { ok: false, why: `TDG.MEM.PAGE.ACCEPT(4K) of 0x${start.toString(16)}: 0x${s.toString(16)}` };
    start += PAGE_SIZE;
  }
  return { ok: true };
}
