import type { Machine } from './machine.js';
import { Owner, PageState } from './memory.js';

/**
 * Private-alias exposure (DESIGN invariant 2, DOMAIN §1/§2): a shared page
 * whose direct-map alias is still mapped private. Touching it through that
 * alias is a guest shutdown; load_unaligned_zeropad() reading past the end of
 * an object in the page just before can do so without anyone asking. The
 * model keeps a gauge of such pages and counts a hazard each time one becomes
 * exposed right after memory the rest of the kernel may be using (a private
 * page not in the same allocation — Dave Hansen's guard-page mitigation makes
 * that neighbour part of the allocation).
 */
function exposedRuns(m: Machine, pfn: number, n: number): [number, number][] {
  const out: [number, number][] = [];
  m.mem.forEach(pfn, n, (s, e, state) => {
    if (state !== PageState.Shared) return;
    m.directMap.forEachRun(s, e, (a, b, enc) => {
      if (!enc) return;
      const last = out[out.length - 1];
      if (last && last[1] === a) last[1] = b;
      else out.push([a, b]);
    });
  });
  return out;
}

const total = (runs: [number, number][]) => runs.reduce((t, [s, e]) => t + e - s, 0);

/** Run `mutate` (a state or mapping change over [pfn, pfn+n)) and account the exposure it adds or removes. */
export function trackAliasExposure(m: Machine, pfn: number, n: number, mutate: () => void): void {
  const before = exposedRuns(m, pfn, n);
  mutate();
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
