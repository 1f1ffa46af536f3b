import type { Guest } from '../guest.js';
import { fail, ok, type Result } from '../../../contract/errors.js';
import { cpaFlush, flushTlbKernelPages } from './tlb.js';
import { tdxEncStatusChangeFinish, tdxEncStatusChanged } from '../coco/tdx.js';
import { PageState, STATE_NAMES } from '../../memory/phys-mem.js';
import { DIRECT_MAP_BASE, PAGE_SIZE, isAligned, isDirectMapKva, isVmallocKva, x86Address } from '../../../abi/units.js';
import type { VmapAlias } from './vmalloc.js';

/** Where a vmalloc address's pages are: physically contiguous runs [pfn, n] in address order, and the vmap alias with the first page index. */
interface VmapTarget {
  runs: [number, number][];
  alias: { alias: VmapAlias; index: number };
}

/** The page frame of a direct-map [kva, kva + numPages), or −1 when the range is not all in the direct map. */
function directMapPfn(m: Guest, kva: number, numPages: number): number {
  const pfn = (kva - DIRECT_MAP_BASE) / PAGE_SIZE;
  if (pfn + numPages > m.mem.maxPfn || m.directMap.level(pfn) === undefined || m.directMap.level(pfn + numPages - 1) === undefined) return -1;
  return pfn;
}

/** The page frames behind a vmalloc [kva, kva + numPages), or EINVAL. */
function resolveVmap(m: Guest, kva: number, numPages: number): Result<VmapTarget> {
  const hit = m.vmap.lookup(kva);
  if (!hit || hit.index + numPages > hit.alias.pfns.length) return fail('EINVAL', `set_memory: ${x86Address(kva)} + ${numPages} pages is not inside one vmap area`);
  const runs: [number, number][] = [];
  for (let i = hit.index; i < hit.index + numPages; i++) {
    const pfn = hit.alias.pfns[i]!;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === pfn) last[1]++;
    else runs.push([pfn, 1]);
  }
  return ok({ runs, alias: hit });
}

/**
 * vunmap() → free_vmap_area_noflush(): the range is freed lazily; once more than
 * lazy_max_pages() = fls(num_online_cpus()) × 32 MiB of pages wait, it
 * schedule_work(&drain_vmap_work)s a purge, run by a kworker.
 */
export function vunmap(m: Guest, kva: number): void {
  m.vmap.unmap(kva);
  const lazyMaxPages = (32 * 1024 * 1024 * (Math.floor(Math.log2(m.config.vcpus)) + 1)) / PAGE_SIZE;
  if (m.vmap.lazyPages > lazyMaxPages) m.workqueue.schedule('drain_vmap_work', () => purgeVmapAreaLazy(m));
}

/** vm_unmap_aliases(): purge lazily freed vmap areas and flush their TLB entries. */
export function vmUnmapAliases(m: Guest): void {
  m.counters.vmUnmapAliases++;
  purgeVmapAreaLazy(m);
}

/**
 * __purge_vmap_area_lazy(): release every lazily freed area and flush the
 * span [lowest start, highest end) of them all with flush_tlb_kernel_range()
 * — one flush, whose span (not page count) meets the 33-page ceiling; areas
 * apart make it a full flush. Nothing lazy: no flush.
 */
function purgeVmapAreaLazy(m: Guest): void {
  const span = m.vmap.purge();
  if (span > 0) flushTlbKernelPages(m, span);
}

/**
 * __set_memory_enc_pgtable(addr, numpages, enc) of arch/x86/mm/pat/set_memory.c,
 * in the kernel's order: vm_unmap_aliases(); on private→shared
 * (tdx_tlb_flush_required) cpa_flush with the cache flush
 * (tdx_cache_flush_required); enc_status_change_prepare (shared→private:
 * MapGPA private + accept); __change_page_attr_set_clr — for a vmap address
 * with `checkalias` (upstream) cpa_process_alias also changes the direct-map
 * alias, one 4 KiB page at a time, and sets force_flush_all; without it (the
 * never-merged _noalias variant) the direct map is left alone; cpa_flush
 * (a full flush when force_flush_all); enc_status_change_finish
 * (private→shared: MapGPA shared; both ways: the nr_shared accounting
 * tdx_kexec_finish checks). A VMM failure warns and returns -EIO,
 * leaving the pages in whatever state the host left them: callers must leak
 * them. A hook that succeeded without converting the pages (a wrong GPA from
 * __pa() of a vmalloc address) is invariant 8.
 */
export function setMemoryEnc(m: Guest, kva: number, numPages: number, enc: boolean, checkalias: boolean): Result<void> {
  if (!m.trace) return setMemoryEncInner(m, kva, numPages, enc, checkalias);
  const t0 = m.trace.begin();
  const r = setMemoryEncInner(m, kva, numPages, enc, checkalias);
  m.trace.end(t0, `set_memory_${enc ? 'encrypted' : 'decrypted'}${checkalias ? '' : '_noalias'}`, 'set_memory', { addr: x86Address(kva), numpages: numPages, ok: r.ok });
  return r;
}

function setMemoryEncInner(m: Guest, kva: number, numPages: number, enc: boolean, checkalias: boolean): Result<void> {
  m.counters.setMemoryCalls++;
  if (numPages <= 0) return ok();
  if (!isAligned(kva, PAGE_SIZE)) return fail('EINVAL', `set_memory: ${x86Address(kva)} is not page aligned`);
  // A direct-map address is one run of page frames (the hot path: no arrays); a vmap one, the runs of its pages.
  let pfn = 0;
  let vmap: VmapTarget | undefined;
  if (isDirectMapKva(kva)) {
    pfn = directMapPfn(m, kva, numPages);
    if (pfn < 0) return fail('EINVAL', `set_memory: ${x86Address(kva)} + ${numPages} pages is not in the direct map`);
  } else if (isVmallocKva(kva)) {
    const r = resolveVmap(m, kva, numPages);
    if (!r.ok) return r;
    vmap = r.value;
  } else return fail('EINVAL', `set_memory: ${x86Address(kva)} is not a kernel address`);

  vmUnmapAliases(m);
  if (!enc) cpaFlush(m, numPages, true);

  if (enc && !tdxEncStatusChanged(m, kva, numPages, true, !checkalias)) return vmmFail(m, kva, numPages, enc);

  let pteOk = true;
  if (!vmap) pteOk = changeRun(m, pfn, numPages, enc, false, checkalias, pteOk);
  else {
    const { alias, index } = vmap.alias;
    alias.enc.fill(enc ? 1 : 0, index, index + numPages);
    for (const [p, n] of vmap.runs) pteOk = changeRun(m, p, n, enc, true, checkalias, pteOk);
  }
  cpaFlush(m, numPages, false, vmap !== undefined && checkalias);
  if (!pteOk) return fail('ENOMEM', 'split_large_page: no page for a page table');

  if (!tdxEncStatusChangeFinish(m, kva, numPages, enc, !checkalias)) return vmmFail(m, kva, numPages, enc);
  if (!vmap) checkConverted(m, pfn, numPages, enc);
  else for (const [p, n] of vmap.runs) checkConverted(m, p, n, enc);
  return ok();
}

/**
 * __change_page_attr_set_clr over one run [pfn, pfn+n), through the
 * private-alias instrument: the direct map's own PTEs, or for a vmap address
 * with `checkalias` cpa_process_alias() on each page's direct-map alias (the
 * primary PTE is 4K, so the alias cpa covers one page per call), or nothing
 * (the _noalias variant). Once a page-table page could not be allocated
 * (`pteOk` false) nothing more is changed. Returns whether all went well.
 */
function changeRun(m: Guest, pfn: number, n: number, enc: boolean, viaVmap: boolean, checkalias: boolean, pteOk: boolean): boolean {
  const before = m.exposure.before(pfn, n);
  if (!viaVmap) {
    if (!m.directMap.changeProt(pfn, n, enc)) pteOk = false;
  } else if (checkalias) {
    for (let p = pfn; p < pfn + n && pteOk; p++) if (!m.directMap.changeProt(p, 1, enc)) pteOk = false;
  }
  m.exposure.after(pfn, n, before, enc);
  return pteOk;
}

/** Invariant 8: the hooks reported success; every page of [pfn, pfn+n) must now be in the state asked for. */
function checkConverted(m: Guest, pfn: number, n: number, enc: boolean): void {
  const want = enc ? PageState.PrivateAccepted : PageState.Shared;
  const end = Math.min(pfn + n, m.mem.maxPfn);
  for (let p = pfn; p < end; ) {
    const e = Math.min(m.mem.runEnd(p), end);
    const state = m.mem.state(p);
    if (state !== want) m.inv.record(8, p, e - p, `set_memory_${enc ? 'encrypted' : 'decrypted'} returned 0 but ${e - p} pages are still ${STATE_NAMES[state]}: the conversion reached other GPAs`);
    p = e;
  }
}

function vmmFail(m: Guest, kva: number, numPages: number, enc: boolean): Result<void> {
  m.counters.setMemoryFailures++;
  const msg = `CPA VMM failure to convert memory (addr=${x86Address(kva)}, numpages=${numPages}) to ${enc ? 'private' : 'shared'}: -5`;
  m.dmesg.push(msg);
  return fail('EIO', msg);
}
