import { Owner, PageState, type GuestMemory } from '../memory/phys-mem.js';
import type { Counters } from './metrics.js';

/**
 * Private-alias exposure (docs/architecture.md invariant 2, docs/model.md §1/§2): a shared page
 * whose direct-map alias is still mapped private. Touching it through that
 * alias is a guest shutdown; load_unaligned_zeropad() reading past the end of
 * an object in the page just before can do so without anyone asking. The
 * model keeps a gauge of such pages and counts a hazard each time one becomes
 * exposed right after memory the rest of the kernel may be using (a private
 * page not in the same allocation — Dave Hansen's guard-page mitigation makes
 * that neighbour part of the allocation).
 *
 * An instrument, not a part of either side: the guest's set_memory and the
 * TDX module's page-state changes run their mutation through `track`, which
 * looks at the guest's direct map and the page states before and after.
 */
const NONE: [number, number][] = [];

/** What the instrument reads of the guest's direct map (guest/mm/direct-map.ts). */
export interface DirectMapView {
  /** Whether `pfn` is mapped private (true), shared (false) or not at all (undefined). */
  encrypted(pfn: number): boolean | undefined;
  /** End (exclusive) of the run of equal mapping that holds `pfn`. */
  runEnd(pfn: number): number;
}

const total = (runs: readonly [number, number][]) => runs.reduce((t, [s, e]) => t + e - s, 0);

export class AliasExposure {
  constructor(
    private readonly mem: GuestMemory,
    private readonly directMap: DirectMapView,
    private readonly counters: Counters,
  ) {}

  /** The shared pages of [pfn, pfn+n) whose direct-map alias is mapped private, as merged runs (NONE: there are none). */
  private exposedRuns(pfn: number, n: number): readonly [number, number][] {
    const end = Math.min(pfn + n, this.mem.maxPfn);
    let out = NONE;
    // private direct-map runs first: usually there are none (the alias was converted too)
    for (let s = pfn; s < end; ) {
      const e = Math.min(this.directMap.runEnd(s), end);
      if (this.directMap.encrypted(s) === true) {
        for (let a = s; a < e; ) {
          const b = Math.min(this.mem.runEnd(a), e);
          if (this.mem.state(a) === PageState.Shared) {
            if (out === NONE) out = [];
            const last = out[out.length - 1];
            if (last && last[1] === a) last[1] = b;
            else out.push([a, b]);
          }
          a = b;
        }
      }
      s = e;
    }
    return out;
  }

  /**
   * Run `mutate` (a state or mapping change over [pfn, pfn+n)) and account the
   * exposure it adds or removes. `mayExpose` false: the change can only end
   * exposure (a page leaving the shared state, a mapping becoming shared).
   */
  track(pfn: number, n: number, mutate: () => void, mayExpose = true): void {
    const before = this.before(pfn, n);
    mutate();
    this.after(pfn, n, before, mayExpose);
  }

  /** track() in two halves, for hot paths that would otherwise make a closure per call: what is exposed in [pfn, pfn+n) before the change… */
  before(pfn: number, n: number): readonly [number, number][] {
    return this.counters.privateAliasedSharedPages === 0 ? NONE : this.exposedRuns(pfn, n);
  }

  /** …and, once the change is made, the exposure it added or removed. */
  after(pfn: number, n: number, before: readonly [number, number][], mayExpose = true): void {
    if (!mayExpose && before === NONE) return;
    const after = this.exposedRuns(pfn, n);
    if (after === NONE && before === NONE) return;
    const mem = this.mem;
    const c = this.counters;
    const delta = total(after) - total(before);
    c.privateAliasedSharedPages += delta;
    // Every RAM page is in the direct map, so a shared page without a decrypted direct-map
    // PTE is exactly one tdx_kexec_finish() cannot find (docs/model.md §3 "kexec").
    c.kexecUnsafeSharedPages += delta;
    if (c.kexecUnsafeSharedPages > c.kexecUnsafeSharedPagesPeak) c.kexecUnsafeSharedPagesPeak = c.kexecUnsafeSharedPages;
    for (const [s] of after) {
      if (before.some(([a, b]) => s >= a && s < b)) continue;
      const p = s - 1;
      if (p < 0) continue;
      const pOwner = mem.owner(p);
      if (pOwner === Owner.Hole || mem.state(p) === PageState.Shared) continue;
      const sameAlloc = pOwner === Owner.Allocated && mem.allocId(p) === mem.allocId(s);
      if (!sameAlloc && this.directMap.encrypted(p) === true) this.counters.hazardUnalignedZeropad++;
    }
  }
}
