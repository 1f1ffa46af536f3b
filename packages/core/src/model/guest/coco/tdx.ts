import { TDVMCALL_STATUS, TDX_REPORT_LEN, TDX_REPORTDATA_LEN, TDX_STATUS, type AcceptLevel } from '../../../abi/tdcall.js';
import { DIRECT_MAP_BASE, GiB, MiB, PAGE_SIZE, isAligned, isDirectMapKva, pageAddress, x86PaOfVmalloc } from '../../../abi/units.js';
import { fail, type Result } from '../../../contract/errors.js';
import { guestRead, guestWrite } from '../mm/access.js';
import { PageState } from '../../memory/phys-mem.js';
import type { Guest } from '../guest.js';

/**
 * Guest-side TDX helpers of arch/x86/coco/tdx/tdx.c and tdx-shared.c: every
 * one reaches the TDX module through `tdcall` and the host through `tdvmcall`.
 */

/** Give up after this many consecutive RETRYs without progress (tdx_map_gpa: max_retries_per_page = 3). */
export const MAP_GPA_MAX_RETRIES_PER_PAGE = 3;

/**
 * tdx_map_gpa(start, end, enc): MapGPA with the RETRY protocol. The shared
 * bit is set on both ends to share. A returned GPA outside [start, end) is
 * rejected; progress resets the counter; 3 RETRYs without progress fail.
 */
export function tdxMapGpa(m: Guest, startPa: number, endPa: number, enc: boolean): boolean {
  if (!m.trace) return mapGpaWithRetries(m, startPa, endPa, enc);
  const t0 = m.trace.begin();
  const ok = mapGpaWithRetries(m, startPa, endPa, enc);
  m.trace.end(t0, 'tdx_map_gpa', 'tdx', { start: startPa, end: endPa, to: enc ? 'private' : 'shared', ok });
  return ok;
}

function mapGpaWithRetries(m: Guest, startPa: number, endPa: number, enc: boolean): boolean {
  let start = enc ? startPa : startPa + m.sharedBit;
  const end = enc ? endPa : endPa + m.sharedBit;
  let retryCount = 0;
  while (retryCount < MAP_GPA_MAX_RETRIES_PER_PAGE) {
    const r = m.tdvmcall.mapGpa(start, end - start);
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
function tryAcceptOne(m: Guest, start: number, len: number, level: AcceptLevel): number {
  const size = level === '1g' ? GiB : level === '2m' ? 2 * MiB : PAGE_SIZE;
  if (!isAligned(start, size) || len < size) return 0;
  return m.tdcall.memPageAccept(start, level) === TDX_STATUS.SUCCESS ? size : 0;
}

/** tdx_accept_memory(start, end): larger accepts first (1G, then 2M, then 4K) for each aligned piece. */
export function tdxAcceptMemory(m: Guest, start: number, end: number): boolean {
  const t0 = m.trace?.begin() ?? 0;
  const ok = acceptRange(m, start, end);
  m.trace?.end(t0, 'tdx_accept_memory', 'tdx', { start, end, ok });
  return ok;
}

function acceptRange(m: Guest, start: number, end: number): boolean {
  while (start < end) {
    const len = end - start;
    let size = tryAcceptOne(m, start, len, '1g');
    if (!size) size = tryAcceptOne(m, start, len, '2m');
    if (!size) size = tryAcceptOne(m, start, len, '4k');
    if (!size) return false;
    start += size;
    // Up to the next 2 MiB boundary every page is a plain 4K accept (try_accept_one() tries
    // nothing larger off a 2 MiB boundary): issue them as one run.
    if (size === PAGE_SIZE) {
      const stop = Math.min(end, (Math.floor(start / (2 * MiB)) + 1) * 2 * MiB);
      if (stop - start >= PAGE_SIZE) start += m.tdcall.memPageAcceptRun(start, Math.floor((stop - start) / PAGE_SIZE)) * PAGE_SIZE;
    }
  }
  return true;
}

/** tdx_enc_status_changed_phys(start, end, enc): MapGPA, then for shared→private accept. */
function encStatusChangedPhys(m: Guest, start: number, end: number, enc: boolean): boolean {
  if (!tdxMapGpa(m, start, end, enc)) return false;
  // shared->private conversion requires memory to be accepted before use
  if (enc) return tdxAcceptMemory(m, start, end);
  return true;
}

/**
 * tdx_enc_status_changed(vaddr, numpages, enc), the hook __set_memory_enc_pgtable
 * calls. A direct-map address gives its GPA by __pa(). A vmalloc address
 * depends on the kernel (platform.vmallocPa, docs/model.md §3):
 *   upstream: __pa(vaddr) is vaddr − PAGE_OFFSET, a GPA of no page of the
 *             mapping (counted in hazardPaOfVmalloc); MapGPA goes there;
 *   v7:       vmalloc_to_pfn() of the first page, and numpages pages from it
 *             (the 2022 series: right for physically contiguous pages only);
 *   per-page: slow_virt_to_phys() and one MapGPA (and accept) per 4 KiB page.
 * `noalias`: the never-merged _noalias variant came with the v7 fix, so it
 * takes "v7" unless the platform asks for "per-page".
 */
export function tdxEncStatusChanged(m: Guest, kva: number, numPages: number, enc: boolean, noalias: boolean): boolean {
  const len = numPages * PAGE_SIZE;
  if (isDirectMapKva(kva)) return encStatusChangedPhys(m, kva - DIRECT_MAP_BASE, kva - DIRECT_MAP_BASE + len, enc);
  const mode = noalias && m.config.vmallocPa === 'upstream' ? 'v7' : m.config.vmallocPa;
  const hit = m.vmap.lookup(kva);
  if (mode === 'upstream' || !hit) {
    m.counters.hazardPaOfVmalloc++;
    const start = x86PaOfVmalloc(kva);
    return encStatusChangedPhys(m, start, start + len, enc);
  }
  if (mode === 'v7') {
    const start = hit.alias.pfns[hit.index]! * PAGE_SIZE;
    return encStatusChangedPhys(m, start, start + len, enc);
  }
  for (let i = 0; i < numPages; i++) {
    const start = hit.alias.pfns[hit.index + i]! * PAGE_SIZE;
    if (!encStatusChangedPhys(m, start, start + PAGE_SIZE, enc)) return false;
  }
  return true;
}

/**
 * tdx_enc_status_change_finish(vaddr, numpages, enc): private→shared
 * conversion happens here (shared→private was done in the prepare hook), then
 * nr_shared follows the pages converted through the set_memory hooks — the
 * count tdx_kexec_finish() checks its direct-map walk against.
 */
export function tdxEncStatusChangeFinish(m: Guest, kva: number, numPages: number, enc: boolean, noalias: boolean): boolean {
  if (!enc && !tdxEncStatusChanged(m, kva, numPages, false, noalias)) return false;
  m.counters.tdxNrShared += enc ? -numPages : numPages;
  return true;
}

/**
 * tdx_kexec_finish() (arch/x86/coco/tdx/tdx.c): walk the direct map from
 * PAGE_OFFSET to get_max_mapped() and convert every range whose PTE is
 * decrypted back to private (tdx_enc_status_changed(addr, pages, true)),
 * counting the pages found; warn when that differs from nr_shared. Pages
 * shared without a decrypted direct-map PTE — a _noalias vmap, open-coded
 * MapGPA — are invisible to the walk and stay shared into the next kernel
 * (docs/model.md §3 "kexec"). Clearing the PTEs is not modeled: the kernel is
 * being replaced. Returns what the walk found and the pages it left shared.
 */
export function tdxKexecFinish(m: Guest): { found: number; nrShared: number; leftShared: number } {
  const runs: [number, number][] = [];
  m.directMap.forEachRun(0, m.mem.maxPfn, (s, e, encrypted) => void (!encrypted && runs.push([s, e])));
  let found = 0;
  for (const [s, e] of runs) {
    if (!tdxEncStatusChanged(m, pageAddress(s), e - s, true, false)) m.dmesg.push(`Failed to unshare range 0x${(s * PAGE_SIZE).toString(16)}-0x${(e * PAGE_SIZE).toString(16)}`);
    found += e - s;
  }
  const nrShared = m.counters.tdxNrShared;
  if (nrShared !== found) m.dmesg.push('shared page accounting is off', `nr_shared = ${nrShared}, nr_found = ${found}`);
  let leftShared = 0;
  m.mem.forEach(0, m.mem.maxPfn, (s, e, state) => {
    if (state === PageState.Shared) leftShared += e - s;
  });
  return { found, nrShared, leftShared };
}

/**
 * tdx_mcall_get_report0(reportdata, tdreport) (arch/x86/coco/tdx/tdx.c): the
 * caller's kmalloc'd buffers, here one private page (REPORTDATA at 0, the
 * TDREPORT at 1024) taken from and returned to the page allocator.
 * TDCALL_INVALID_OPERAND → -EINVAL, any other failure → -EIO.
 */
export function tdxMcallGetReport0(m: Guest, reportData: Uint8Array): Result<Uint8Array> {
  if (reportData.length !== TDX_REPORTDATA_LEN) return fail('EINVAL', `tdx_mcall_get_report0: REPORTDATA is ${reportData.length} bytes, expected 64`);
  const pfn = m.pages.allocPages(0, 'Normal');
  if (pfn === undefined) return fail('ENOMEM', 'tdx_mcall_get_report0: kmalloc of the report buffers failed');
  try {
    const kva = pageAddress(pfn);
    const w = guestWrite(m, kva, reportData);
    if (!w.ok) return w;
    const pa = pfn * PAGE_SIZE;
    const status = m.tdcall.mrReport(pa + TDX_REPORT_LEN, pa, 0);
    if (status === TDX_STATUS.OPERAND_INVALID) return fail('EINVAL', 'TDG.MR.REPORT: TDCALL_INVALID_OPERAND');
    if (status !== TDX_STATUS.SUCCESS) return fail('EIO', `TDG.MR.REPORT failed: status 0x${status.toString(16)}`);
    return guestRead(m, kva + TDX_REPORT_LEN, TDX_REPORT_LEN);
  } finally {
    m.pages.freePages(pfn, 0);
  }
}
