import { RangeMap } from '../../memory/range-map.js';
import { PAGE_SIZE, VMALLOC_BASE, VMALLOC_SIZE } from '../../../abi/units.js';

/**
 * The vmalloc area (mm/vmalloc.c): vmap() maps arbitrary pages at a fresh
 * virtual range followed by a guard page, each alias with its own protection
 * per page (pgprot_decrypted or not). vunmap() frees the range lazily: it is
 * purged, with a TLB flush, by vm_unmap_aliases() or once lazy_max_pages()
 * accumulate (__purge_vmap_area_lazy).
 */
export interface VmapAlias {
  readonly id: number;
  /** First kva of the mapping. */
  readonly kva: number;
  /** Backing page frames, in mapping order. */
  readonly pfns: readonly number[];
  /** Per page: 1 = private (encrypted) mapping, 0 = shared (decrypted). */
  readonly enc: Uint8Array;
}

export class VmapArea {
  /** Busy vmalloc pages (1) by index from VMALLOC_BASE. */
  private readonly busy = new RangeMap(VMALLOC_SIZE / PAGE_SIZE, 0);
  private readonly byStartPage = new Map<number, VmapAlias>();
  /** Start pages of the live aliases, ascending (the vmap_area rb-tree's order), for lookup by address. */
  private readonly starts: number[] = [];
  /** Reverse map: pfn → aliases mapping it. */
  private readonly byPfn = new Map<number, Set<VmapAlias>>();
  private nextId = 1;
  /** Pages vunmapped but not yet purged (their TLB entries may live). */
  lazyPages = 0;
  private lazyRanges: [number, number][] = [];

  /** alloc_vmap_area (first fit) + vmap_pages_range; the extra page is the guard (no VM_NO_GUARD). */
  map(pfns: readonly number[], encrypted: boolean): VmapAlias | undefined {
    const need = pfns.length + 1;
    let at: number | undefined;
    this.busy.forEachRun(0, this.busy.limit, (s, e, v) => {
      if (v === 0 && e - s >= need) {
        at = s;
        return false;
      }
      return true;
    });
    if (at === undefined) return undefined;
    this.busy.set(at, at + need, 1);
    const alias: VmapAlias = { id: this.nextId++, kva: VMALLOC_BASE + at * PAGE_SIZE, pfns: [...pfns], enc: new Uint8Array(pfns.length).fill(encrypted ? 1 : 0) };
    this.byStartPage.set(at, alias);
    this.starts.splice(lastAtOrBelow(this.starts, at) + 1, 0, at);
    for (const pfn of pfns) {
      let set = this.byPfn.get(pfn);
      if (!set) {
        set = new Set();
        this.byPfn.set(pfn, set);
      }
      set.add(alias);
    }
    return alias;
  }

  /** vunmap: remove the alias now; the virtual range stays busy until purged. */
  unmap(kva: number): VmapAlias | undefined {
    const start = (kva - VMALLOC_BASE) / PAGE_SIZE;
    const alias = this.byStartPage.get(start);
    if (!alias) return undefined;
    this.byStartPage.delete(start);
    this.starts.splice(lastAtOrBelow(this.starts, start), 1);
    for (const pfn of alias.pfns) {
      const set = this.byPfn.get(pfn);
      set?.delete(alias);
      if (set?.size === 0) this.byPfn.delete(pfn);
    }
    this.lazyPages += alias.pfns.length + 1;
    this.lazyRanges.push([start, start + alias.pfns.length + 1]);
    return alias;
  }

  /**
   * __purge_vmap_area_lazy: release lazily freed ranges; returns the pages of
   * the span [lowest start, highest end) it flushes (0: nothing was lazy).
   */
  purge(): number {
    if (this.lazyRanges.length === 0) return 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const [s, e] of this.lazyRanges) {
      this.busy.set(s, e, 0);
      lo = Math.min(lo, s);
      hi = Math.max(hi, e);
    }
    this.lazyRanges = [];
    this.lazyPages = 0;
    return hi - lo;
  }

  /** The alias containing `kva` and the page index inside it (find_vmap_area: a search of the areas by address). */
  lookup(kva: number): { alias: VmapAlias; index: number } | undefined {
    const page = Math.floor((kva - VMALLOC_BASE) / PAGE_SIZE);
    const i = lastAtOrBelow(this.starts, page);
    if (i < 0) return undefined;
    const a = this.byStartPage.get(this.starts[i]!)!;
    const index = page - this.starts[i]!;
    return index < a.pfns.length ? { alias: a, index } : undefined;
  }

  /** Aliases mapping `pfn`. */
  aliasesOf(pfn: number): ReadonlySet<VmapAlias> | undefined {
    return this.byPfn.get(pfn);
  }

  get liveAliases(): number {
    return this.byStartPage.size;
  }
}

/** Index of the last element ≤ k of the ascending `a`, or −1. */
function lastAtOrBelow(a: readonly number[], k: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
