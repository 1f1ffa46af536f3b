import { Owner, PageState } from './memory/phys-mem.js';
import type { MachineParts } from './parts.js';
import type { ZoneName } from '../contract/kernel.js';

/** Where a page of RAM is, as the audit classes it. */
export const PAGE_CLASSES = ['free', 'allocated', 'shared-in-use', 'dma-pool', 'swiotlb', 'leaked', 'reserved', 'unaccepted'] as const;
export type PageClass = (typeof PAGE_CLASSES)[number];

/** A set of pages the accounting cannot place (docs/architecture.md invariants 1, 3, 7). */
export interface LostPages {
  /** What is wrong, in one sentence. */
  readonly problem: string;
  /** First page frame (−1 when the problem is a count, not a place). */
  readonly pfn: number;
  readonly pages: number;
}

/** Every page of RAM accounted for: what a kernel engineer would piece together from /proc/pagetypeinfo, page_owner and the SEPT. */
export interface PageAudit {
  /** Pages of RAM. */
  readonly ramPages: number;
  /**
   * RAM pages by class; they sum to `ramPages`. `allocated`: private pages in
   * use; `shared-in-use`: allocated pages that are shared now (buffers the
   * host sees); `dma-pool`: the atomic pools decrypted at boot; `swiotlb`: the
   * bounce pool; `leaked`: pages given up because they could not be made
   * private again; `reserved`: memblock reservations (first MiB, kernel image);
   * `unaccepted`: free blocks on a zone's unaccepted list (CONFIG_UNACCEPTED_MEMORY).
   */
  readonly pages: Readonly<Record<PageClass, number>>;
  /** Shared pages by class (boot pools, buffers in use, leaks that stayed shared, and any in the free pool). */
  readonly shared: Readonly<Record<PageClass, number>>;
  /** Pages on the buddy free lists (equal to `pages.free` unless something is lost). */
  readonly freeListPages: number;
  /** Direct-map pages mapped decrypted (what set_memory_decrypted on a direct-map address changes). */
  readonly directMapDecryptedPages: number;
  /** Live vmap aliases. */
  readonly vmapAliases: number;
  /** The SWIOTLB pool: where it is and how many 2 KiB slots are in use. */
  readonly swiotlb: { readonly startPa: number; readonly bytes: number; readonly slots: number; readonly usedSlots: number };
  /** The atomic pools dma_atomic_pool_init() decrypted. */
  readonly atomicPools: readonly { readonly zone: ZoneName; readonly pfn: number; readonly pages: number }[];
  /** Every shared run of pages with its class, in pfn order: which pages the host can see now. */
  readonly sharedRanges: readonly { readonly pfn: number; readonly pages: number; readonly class: PageClass }[];
  /** Inconsistencies: shared or unaccepted pages in the free pool, and free lists that disagree with guest memory. Empty when all is well. */
  readonly lost: readonly LostPages[];
}

const zeros = (): Record<PageClass, number> => Object.fromEntries(PAGE_CLASSES.map((c) => [c, 0])) as Record<PageClass, number>;
const CLASS_OF: Partial<Record<Owner, PageClass>> = {
  [Owner.Free]: 'free',
  [Owner.Allocated]: 'allocated',
  [Owner.Swiotlb]: 'swiotlb',
  [Owner.Leaked]: 'leaked',
  [Owner.Reserved]: 'reserved',
  [Owner.Unaccepted]: 'unaccepted',
};

/** Walk guest memory once (by ranges) and class every page. */
export function auditPages(p: MachineParts): PageAudit {
  const { mem } = p;
  const pages = zeros();
  const shared = zeros();
  const lost: LostPages[] = [];
  const sharedRanges: { pfn: number; pages: number; class: PageClass }[] = [];
  const pools = p.dma.atomicPools;
  const count = (cls: PageClass, state: PageState, n: number, sign = 1) => {
    pages[cls] += sign * n;
    if (state === PageState.Shared) shared[cls] += sign * n;
  };
  mem.forEach(0, mem.maxPfn, (s, e, state, owner) => {
    const cls = CLASS_OF[owner];
    if (!cls) return; // not RAM
    const n = e - s;
    count(cls === 'allocated' && state === PageState.Shared ? 'shared-in-use' : cls, state, n);
    if (state === PageState.Shared) {
      if (cls !== 'allocated') sharedRanges.push({ pfn: s, pages: n, class: cls });
      else splitAtPools(s, e, pools, (a, b, inPool) => sharedRanges.push({ pfn: a, pages: b - a, class: inPool ? 'dma-pool' : 'shared-in-use' }));
    }
    if (owner === Owner.Free && state === PageState.Shared) lost.push({ problem: 'shared page in the free pool (invariant 1)', pfn: s, pages: n });
    if (owner === Owner.Free && state === PageState.PrivatePending) lost.push({ problem: 'unaccepted page in the free pool (invariant 3)', pfn: s, pages: n });
    if (owner === Owner.Unaccepted && state === PageState.Shared) lost.push({ problem: "shared page on a zone's unaccepted list (invariant 1)", pfn: s, pages: n });
  });
  for (const pool of pools) {
    mem.forEach(pool.pfn, pool.pages, (s, e, state, owner) => {
      if (owner !== Owner.Allocated) return;
      count(state === PageState.Shared ? 'shared-in-use' : 'allocated', state, e - s, -1);
      count('dma-pool', state, e - s);
    });
  }
  const freeListPages = p.pages.freePageCount;
  if (freeListPages !== pages.free)
    lost.push({ problem: `buddy free lists hold ${freeListPages} pages, guest memory counts ${pages.free} free (invariant 7)`, pfn: -1, pages: Math.abs(freeListPages - pages.free) });
  let directMapDecryptedPages = 0;
  p.directMap.forEachRun(0, mem.maxPfn, (s, e, enc) => {
    if (!enc) directMapDecryptedPages += e - s;
  });
  return {
    ramPages: mem.totalRamPages,
    pages,
    shared,
    freeListPages,
    directMapDecryptedPages,
    vmapAliases: p.vmap.liveAliases,
    swiotlb: { startPa: p.swiotlb.startPa, bytes: p.swiotlb.bytes, slots: p.swiotlb.nslabs, usedSlots: p.swiotlb.used },
    sharedRanges,
    atomicPools: p.dma.atomicPools.map(({ zone, pfn, pages: n }) => ({ zone, pfn, pages: n })),
    lost,
  };
}

/** Cut [s, e) at the atomic pools' edges: fn(a, b, inPool) for each piece, in order. */
function splitAtPools(s: number, e: number, pools: readonly { pfn: number; pages: number }[], fn: (a: number, b: number, inPool: boolean) => void): void {
  let at = s;
  while (at < e) {
    const pool = pools.find((q) => at >= q.pfn && at < q.pfn + q.pages);
    if (pool) {
      const end = Math.min(e, pool.pfn + pool.pages);
      fn(at, end, true);
      at = end;
    } else {
      const next = Math.min(e, ...pools.filter((q) => q.pfn > at).map((q) => q.pfn));
      fn(at, next, false);
      at = next;
    }
  }
}
