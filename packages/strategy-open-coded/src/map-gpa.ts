import { TDVMCALL_STATUS, type Kernel } from '@tdx-shbuf/core';

/** tdx_map_gpa(): "max_retries_per_page = 3" consecutive RETRYs without progress. */
export const MAX_RETRIES_PER_PAGE = 3;

export type MapGpaOutcome = { ok: true } | { ok: false; why: string };

/**
 * The RETRY protocol of tdx_map_gpa() (arch/x86/coco/tdx/tdx.c, v6.7),
 * open-coded on the raw TDVMCALL<MapGPA> as the strategy must do it itself:
 *
 *   while (retry_count < max_retries_per_page) {
 *       ret = __tdx_hypercall(&args);            // r12 = start, r13 = end - start
 *       if (ret != TDVMCALL_STATUS_RETRY) return !ret;
 *       map_fail_paddr = args.r11;
 *       if (map_fail_paddr < start || map_fail_paddr >= end) return false;
 *       if (map_fail_paddr == start) { retry_count++; continue; }   // no progress
 *       start = map_fail_paddr; retry_count = 0;
 *   }
 *   return false;
 *
 * `start`/`end` are GPAs: with the shared bit (cc_mkdec) to share, without to make private.
 */
export function mapGpa(kernel: Kernel, start: number, end: number): MapGpaOutcome {
  let retryCount = 0;
  while (retryCount < MAX_RETRIES_PER_PAGE) {
    const r = kernel.tdvmcallMapGpa(start, end - start);
    if (r.status !== TDVMCALL_STATUS.RETRY) {
      return r.status === TDVMCALL_STATUS.SUCCESS ? { ok: true } : { ok: false, why: `MapGPA status 0x${r.status.toString(16)} at 0x${r.r11.toString(16)}` };
    }
    const mapFailPaddr = r.r11;
    if (mapFailPaddr < start || mapFailPaddr >= end) {
      return { ok: false, why: `MapGPA RETRY with r11 0x${mapFailPaddr.toString(16)} outside [0x${start.toString(16)}, 0x${end.toString(16)})` };
    }
    if (mapFailPaddr === start) {
      retryCount++; // "Consume" a retry without forward progress
      continue;
    }
    start = mapFailPaddr;
    retryCount = 0;
  }
  return { ok: false, why: `MapGPA: ${MAX_RETRIES_PER_PAGE} RETRYs without progress at 0x${start.toString(16)}` };
}
