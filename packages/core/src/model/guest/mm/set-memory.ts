import type { Guest } from '../guest.js';
import { fail, ok, type Result } from '../../../contract/errors.js';
import { cpaFlush, flushTlbKernelPages } from './tlb.js';
import { tdxEncStatusChangeFinish, tdxEncStatusChanged } from '../coco/tdx.js';
import { DIRECT_MAP_BASE, PAGE_SIZE, isDirectMapKva, isVmallocKva, x86Address } from '../../../abi/units.js';
import type { VmapAlias } from './vmalloc.js';

interface Target {
  /** Physically contiguous runs [pfn, n] in address order. */
  runs: [number, number][];
  /** The vmap alias and first page index, for a vmalloc address. */
  alias?: { alias: VmapAlias; index: number };
}

/** Resolve [kva, kva + numPages) to page frames, or EINVAL. */
function resolve(m: Guest, kva: number, numPages: number): Result<Target> {
  if (kva % PAGE_SIZE !== 0) return fail('EINVAL', `set_memory: ${x86Address(kva)} is not page aligned`);
  if (isDirectMapKva(kva)) {
    const pfn = (kva - DIRECT_MAP_BASE) / PAGE_SIZE;
    if (pfn + numPages > m.mem.maxPfn || m.directMap.level(pfn) === undefined || m.directMap.level(pfn + numPages - 1) === undefined) {
      return fail('EINVAL', `set_memory: ${x86Address(kva)} + ${numPages} pages is not in the direct map`);
    }
    return ok({ runs: [[pfn, numPages]] });
  }
  if (isVmallocKva(kva)) {
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
  return fail('EINVAL', `set_memory: ${x86Address(kva)} is not a kernel address`);
}

/**
 * vunmap() → free_vmap_area_noflush(): the range is freed lazily; once more than
 * lazy_max_pages() = fls(num_online_cpus()) × 32 MiB of pages wait, the drain
 * work purges them with one TLB flush (modeled synchronously on the caller).
 */
export function vunmap(m: Guest, kva: number): void {
  m.vmap.unmap(kva);
  const lazyMaxPages = (32 * 1024 * 1024 * (Math.floor(Math.log2(m.config.vcpus)) + 1)) / PAGE_SIZE;
  if (m.vmap.lazyPages > lazyMaxPages) flushTlbKernelPages(m, m.vmap.purge());
}

/** vm_unmap_aliases(): purge lazily freed vmap areas and flush their TLB entries. */
export function vmUnmapAliases(m: Guest): void {
  m.counters.vmUnmapAliases++;
  const pages = m.vmap.purge();
  if (pages > 0) flushTlbKernelPages(m, pages);
}

/**
 * __set_memory_enc_pgtable(addr, numpages, enc) of arch/x86/mm/pat/set_memory.c,
 * in the kernel's order: vm_unmap_aliases(); on private→shared
 * (tdx_tlb_flush_required) a TLB + cache flush (tdx_cache_flush_required);
 * enc_status_change_prepare (shared→private: MapGPA private + accept); change
 * the PTEs — with `checkalias` (upstream) a vmap address also changes its
 * direct-map alias, without it (the never-merged _noalias variant) the direct
 * map is left alone; TLB flush; enc_status_change_finish (private→shared:
 * MapGPA shared; both ways: the nr_shared accounting tdx_kexec_finish checks). A VMM failure warns and returns -EIO, leaving the pages in
 * whatever state the host left them: callers must leak them.
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
  const t = resolve(m, kva, numPages);
  if (!t.ok) return t;
  const { runs, alias } = t.value;
  if (alias) m.counters.hazardPaOfVmalloc++;

  vmUnmapAliases(m);
  if (!enc) cpaFlush(m, numPages, true);

  if (enc) {
    for (const [pfn, n] of runs) if (!tdxEncStatusChanged(m, pfn * PAGE_SIZE, n, true)) return vmmFail(m, kva, numPages, enc);
  }

  let pte: Result<void> = ok();
  for (const [pfn, n] of runs) {
    m.exposure.track(pfn, n, () => {
      if (alias) {
        alias.alias.enc.fill(enc ? 1 : 0, alias.index, alias.index + numPages);
        if (checkalias && !m.directMap.changeProt(pfn, n, enc)) pte = fail('ENOMEM', 'split_large_page: no page for a page table');
      } else if (!m.directMap.changeProt(pfn, n, enc)) pte = fail('ENOMEM', 'split_large_page: no page for a page table');
    }, enc);
  }
  cpaFlush(m, numPages, false);
  if (!pte.ok) return pte;

  for (const [pfn, n] of runs) if (!tdxEncStatusChangeFinish(m, pfn * PAGE_SIZE, n, enc)) return vmmFail(m, kva, numPages, enc);
  return ok();
}

function vmmFail(m: Guest, kva: number, numPages: number, enc: boolean): Result<void> {
  m.counters.setMemoryFailures++;
  const msg = `CPA VMM failure to convert memory (addr=${x86Address(kva)}, numpages=${numPages}) to ${enc ? 'private' : 'shared'}: -5`;
  m.dmesg.push(msg);
  return fail('EIO', msg);
}
