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
  encrypted(pfn: number): boolean | undefined;
  noneEncrypted(from: number, to: number): boolean;
  forEachRun(from: number, to: number, fn: (s: number, e: number, encrypted: boolean) => void): void;
}

const total = (runs: [number, number][]) => runs.reduce((t, [s, e]) => t + e - s, 0);

export class AliasExposure {
  constructor(
    private readonly mem: GuestMemory,
    private readonly directMap: DirectMapView,
    private readonly counters: Counters,
  ) {}

  private exposedRuns(pfn: number, n: number): [number, number][] {
    if (this.directMap.noneEncrypted(pfn, pfn + n)) return NONE;
    let out = NONE;
    // private direct-map runs first: usually there are none (the alias was converted too)
    this.directMap.forEachRun(pfn, pfn + n, (s, e, enc) => {
      if (!enc) return;
      this.mem.forEach(s, e - s, (a, b, state) => {
        if (state !== PageState.Shared) return;
        if (out === NONE) out = [];
        const last = out[out.length - 1];
        if (last && last[1] === a) last[1] = b;
        else out.push([a, b]);
      });
    });
    return out;
  }

  /**
   * Run `mutate` (a state or mapping change over [pfn, pfn+n)) and account the
   * exposure it adds or removes. `mayExpose` false: the change can only end
   * exposure (a page leaving the shared state, a mapping becoming shared).
   */
  track(pfn: number, n: number, mutate: () => void, mayExpose = true): void {
    const mem = this.mem;
    const before = this.counters.privateAliasedSharedPages === 0 ? NONE : this.exposedRuns(pfn, n);
    mutate();
    if (!mayExpose && before === NONE) return;
    const after = this.exposedRuns(pfn, n);
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
