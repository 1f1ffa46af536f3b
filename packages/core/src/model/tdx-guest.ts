import type { Machine } from './machine.js';
import { TDVMCALL_STATUS, TDX_STATUS, type AcceptLevel } from './tdvmcall.js';
import { GiB, MiB, PAGE_SIZE } from './units.js';

/**
 * Guest-side TDX helpers of arch/x86/coco/tdx/tdx.c and tdx-shared.c.
 */

/** Give up after this many consecutive RETRYs without progress (tdx_map_gpa: max_retries_per_page = 3). */
export const MAP_GPA_MAX_RETRIES_PER_PAGE = 3;

/**
 * tdx_map_gpa(start, end, enc): MapGPA with the RETRY protocol. The shared
 * bit is set on both ends to share. A returned GPA outside [start, end) is
 * rejected; progress resets the counter; 3 RETRYs without progress fail.
 */
export function tdxMapGpa(m: Machine, startPa: number, endPa: number, enc: boolean): boolean {
  if (!m.trace) return mapGpaWithRetries(m, startPa, endPa, enc);
  const t0 = m.trace.begin();
  const ok = mapGpaWithRetries(m, startPa, endPa, enc);
  m.trace.end(t0, 'tdx_map_gpa', 'tdx', { start: startPa, end: endPa, to: enc ? 'private' : 'shared', ok });
  return ok;
}

function mapGpaWithRetries(m: Machine, startPa: number, endPa: number, enc: boolean): boolean {
  let start = enc ? startPa : startPa + m.sharedBit;
  const end = enc ? endPa : endPa + m.sharedBit;
  let retryCount = 0;
  while (retryCount < MAP_GPA_MAX_RETRIES_PER_PAGE) {
    const r = m.vmm.mapGpa(start, end - start);
    if (r.status !== TDVMCALL_STATUS.RETRY) {
      if (r.status !== TDVMCALL_STATUS.SUCCESS) m.counters.mapGpaFailures++;
      return r.status === TDVMCALL_STATUS.SUCCESS;
    }
    const mapFailPaddr = r.r11;
    if (mapFailPaddr < start || mapFailPaddr >= end) {
      m.counters.mapGpaFailures++;
      return false;
    }
    // "Consume" a retry without forward progress
    if (mapFailPaddr === start) {
      retryCount++;
      continue;
    }
    start = mapFailPaddr;
    retryCount = 0;
  }
  m.counters.mapGpaFailures++;
  return false;
}

/** try_accept_one(): one TDG.MEM.PAGE.ACCEPT if `start` is aligned and `len` covers the level; returns bytes accepted. */
function tryAcceptOne(m: Machine, start: number, len: number, level: AcceptLevel): number {
  const size = level === '1g' ? GiB : level === '2m' ? 2 * MiB : PAGE_SIZE;
  if (start % size !== 0 || len < size) return 0;
  return m.tdx.memPageAccept(start, level) === TDX_STATUS.SUCCESS ? size : 0;
}

/** tdx_accept_memory(start, end): larger accepts first (1G, then 2M, then 4K) for each aligned piece. */
export function tdxAcceptMemory(m: Machine, start: number, end: number): boolean {
  const t0 = m.trace?.begin() ?? 0;
  const ok = acceptRange(m, start, end);
  m.trace?.end(t0, 'tdx_accept_memory', 'tdx', { start, end, ok });
  return ok;
}

function acceptRange(m: Machine, start: number, end: number): boolean {
  while (start < end) {
    const len = end - start;
    let size = tryAcceptOne(m, start, len, '1g');
    if (!size) size = tryAcceptOne(m, start, len, '2m');
    if (!size) size = tryAcceptOne(m, start, len, '4k');
    if (!size) return false;
    start += size;
  }
  return true;
}

/**
 * tdx_enc_status_changed(): MapGPA, then for shared→private accept. Upstream
 * takes `__pa(vaddr)`, so a vmalloc address yields a wrong GPA; the model
 * resolves it through the page tables (as the 2022 noalias series needed) and
 * counts hazardPaOfVmalloc so the difference is visible.
 */
export function tdxEncStatusChanged(m: Machine, pa: number, numPages: number, enc: boolean): boolean {
  const start = pa;
  const end = pa + numPages * PAGE_SIZE;
  if (!tdxMapGpa(m, start, end, enc)) return false;
  // shared->private conversion requires memory to be accepted before use
  if (enc) return tdxAcceptMemory(m, start, end);
  return true;
}
