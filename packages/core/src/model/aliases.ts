import type { Machine } from './machine.js';
import { Owner, PageState } from './memory.js';

/**
 * Private-alias exposure (docs/architecture.md invariant 2, docs/model.md §1/§2): a shared page
 * whose direct-map alias is still mapped private. Touching it through that
 * alias is a guest shutdown; load_unaligned_zeropad() reading past the end of
 * an object in the page just before can do so without anyone asking. The
 * model keeps a gauge of such pages and counts a hazard each time one becomes
 * exposed right after memory the rest of the kernel may be using (a private
 * page not in the same allocation — Dave Hansen's guard-page mitigation makes
 * that neighbour part of the allocation).
 */
const NONE: [number, number][] = [];

function exposedRuns(m: Machine, pfn: number, n: number): [number, number][] {
  if (m.directMap.noneEncrypted(pfn, pfn + n)) return NONE;
  let out = NONE;
  // private direct-map runs first: usually there are none (the alias was converted too)
  m.directMap.forEachRun(pfn, pfn + n, (s, e, enc) => {
    if (!enc) return;
    m.mem.forEach(s, e - s, (a, b, state) => {
      if (state !== PageState.Shared) return;
      if (out === NONE) out = [];
      const last = out[out.length - 1];
      if (last && last[1] === a) last[1] = b;
      else out.push([a, b]);
    });
  });
  return out;
}

const total = (runs: [number, number][]) => runs.reduce((t, [s, e]) => t + e - s, 0);

/**
 * Run `mutate` (a state or mapping change over [pfn, pfn+n)) and account the
 * exposure it adds or removes. `mayExpose` false: the change can only end
 * exposure (a page leaving the shared state, a mapping becoming shared).
 */
export function trackAliasExposure(m: Machine, pfn: number, n: number, mutate: () => void, mayExpose = true): void {
  const before = m.counters.privateAliasedSharedPages === 0 ? NONE : exposedRuns(m, pfn, n);
  mutate();
  if (!mayExpose && before === NONE) return;
  const after = exposedRuns(m, pfn, n);
  m.counters.privateAliasedSharedPages += total(after) - total(before);
  for (const [s] of after) {
    if (before.some(([a, b]) => s >= a && s < b)) continue;
    const p = s - 1;
    if (p < 0) continue;
    const pOwner = m.mem.owner(p);
    if (pOwner === Owner.Hole || m.mem.state(p) === PageState.Shared) continue;
    const sameAlloc = pOwner === Owner.Allocated && m.mem.allocId(p) === m.mem.allocId(s);
    if (!sameAlloc && m.directMap.encrypted(p) === true) m.counters.hazardUnalignedZeropad++;
  }
}
