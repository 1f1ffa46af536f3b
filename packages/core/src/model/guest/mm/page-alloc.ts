import { BuddyZone } from './buddy.js';
import type { ZoneName } from '../../../contract/kernel.js';
import { OWNER_NAMES, Owner, PageState, type GuestMemory } from '../../memory/phys-mem.js';
import type { InvariantLog } from '../../sim/invariants.js';
import type { Counters } from '../../sim/metrics.js';
import type { Scheduler } from '../../sim/scheduler.js';
import type { CostParams } from '../../../platform/cost.js';
import { MAX_PAGE_ORDER, alignDown, getOrder, pfnUp } from '../../../abi/units.js';
import type { FaultPlan } from '../../sim/fault-plan.js';
import type { UnacceptedMemory } from '../efi/unaccepted-memory.js';

/** MAX_ORDER_NR_PAGES. */
const TOP = 2 ** MAX_PAGE_ORDER;

/** 2^order pages, without Math.pow for the orders the buddy allocator has. */
const pagesOf = (order: number) => ((order | 0) === order && order >= 0 && order < 31 ? 1 << order : 2 ** order);

/**
 * The page allocator (mm/page_alloc.c) over three zones, with the GFP zone
 * fallback of a GFP_KERNEL allocation (Normal → DMA32 → DMA). Every page it
 * hands out or takes back is checked against the invariants: a shared page
 * must never enter the free pool (1), a leaked page never be reused (6), and
 * the free count must agree with guest memory's own accounting (7).
 */
export class PageAllocator {
  readonly zones: BuddyZone[];
  private nextAllocId = 1;
  /** Scripted allocation failures (Machine.faults.failAllocations): calls counted from when it was set. */
  private failScript: { calls: number; at: number; onward: boolean } | undefined;

  constructor(
    zones: { name: ZoneName; startPfn: number; endPfn: number }[],
    private readonly mem: GuestMemory,
    private readonly inv: InvariantLog,
    private readonly counters: Counters,
    private readonly sched: Scheduler,
    private readonly cost: CostParams,
    private readonly faults?: FaultPlan,
    /** The EFI unaccepted-memory bitmap (CONFIG_UNACCEPTED_MEMORY); undefined when all RAM starts accepted. */
    private readonly unaccepted?: UnacceptedMemory,
  ) {
    this.zones = zones.map((z) => new BuddyZone(z.name, z.startPfn, z.endPfn));
  }

  /**
   * memblock_free_all(): hand every page still Free in guest memory to its zone
   * (__free_pages_memory → __free_pages_core). A MAX_PAGE_ORDER block that
   * contains unaccepted memory goes on the zone's unaccepted list
   * (__free_unaccepted); a smaller piece at a range's edge is accepted at once
   * (accept_page).
   */
  freeBootMemory(): void {
    for (const z of this.zones) {
      const runs: [number, number][] = [];
      this.mem.forEach(z.startPfn, z.endPfn - z.startPfn, (s, e, _st, owner) => void (owner === Owner.Free && runs.push([s, e])));
      for (const [s, e] of runs) this.freeBootRange(z, s, e);
    }
    this.checkAccounting();
  }

  private freeBootRange(z: BuddyZone, s: number, e: number): void {
    const u = this.unaccepted;
    if (!u) {
      z.addRange(s, e);
      return;
    }
    const head = Math.min(e, Math.ceil(s / TOP) * TOP);
    const tail = Math.max(head, Math.floor(e / TOP) * TOP);
    for (const [a, b] of [
      [s, head],
      [tail, e],
    ] as const) {
      if (a >= b) continue;
      if (u.rangeContainsUnacceptedMemory(a, b)) u.acceptMemory(a, b); // charged to the 'accept' phase by TDG.MEM.PAGE.ACCEPT
      z.addRange(a, b);
    }
    // Whole blocks: page_contains_unaccepted() asks about [block, block + 4 MiB + the next unit).
    let at = head;
    for (const [a, b] of u.blocksContainingUnaccepted(head, tail, TOP)) {
      if (a > at) z.addRange(at, a);
      this.mem.transfer(a, b - a, Owner.Unaccepted);
      z.addUnaccepted(a, b);
      at = b;
    }
    if (tail > at) z.addRange(at, tail);
  }

  /**
   * cond_accept_memory(zone, order) (mm/page_alloc.c): accept MAX_PAGE_ORDER
   * blocks until the zone's free accepted pages, less the (1 << order) − 1 an
   * order-`order` request cannot use, reach the promo watermark; before
   * init_per_zone_wmark_min() (watermark 0) accept one block to ensure progress.
   */
  condAcceptMemory(z: BuddyZone, order: number): boolean {
    if (!z.hasUnaccepted) return false;
    const wmark = z.wmark.promo;
    if (!wmark) return this.tryToAcceptMemoryOne(z);
    let toAccept = wmark - (z.freePages - (pagesOf(order) - 1));
    let ret = false;
    while (toAccept > 0) {
      if (!this.tryToAcceptMemoryOne(z)) break;
      ret = true;
      toAccept -= TOP;
    }
    return ret;
  }

  /** try_to_accept_memory_one(): the first block off zone->unaccepted_pages, accepted (__accept_page) and freed at MAX_PAGE_ORDER. */
  private tryToAcceptMemoryOne(z: BuddyZone): boolean {
    const pfn = z.takeUnaccepted();
    if (pfn === undefined) return false;
    this.acceptBlock(z, pfn);
    return true;
  }

  /** __accept_page(): accept_memory() of the block (plus the guard unit after it), then __free_pages_ok(MAX_PAGE_ORDER, FPI_TO_TAIL). */
  private acceptBlock(z: BuddyZone, pfn: number): void {
    this.counters.acceptMemoryBlocks++;
    this.unaccepted!.acceptMemory(pfn, pfn + TOP); // charged to the 'accept' phase by TDG.MEM.PAGE.ACCEPT
    this.mem.transfer(pfn, TOP, Owner.Free);
    z.free(pfn, MAX_PAGE_ORDER);
    this.checkAccounting();
  }

  /** accept_page() on every unaccepted block [pfn, pfn+n) touches (set_migratetype_isolate, as alloc_contig_range isolates). */
  private acceptPages(pfn: number, n: number): void {
    if (!this.unaccepted) return;
    for (let b = alignDown(pfn, TOP); b < pfn + n; b += TOP) {
      const z = this.zoneOrUndefined(b);
      if (z?.takeUnacceptedAt(b)) this.acceptBlock(z, b);
    }
  }

  /** A fresh allocation id (pages of one allocation share it). */
  newAllocId(): number {
    return this.nextAllocId++;
  }

  /** alloc_pages(gfp, order): the lowest allowed zone fallback list starting at `zone`. */
  allocPages(order: number, zone: ZoneName = 'Normal', allocId = this.newAllocId()): number | undefined {
    this.sched.charge(this.cost.pageAllocNs, 'other');
    const script = this.failScript;
    if (script) {
      const i = script.calls++;
      if (i === script.at || (script.onward && i > script.at)) return undefined;
    }
    if (this.faults?.roll(this.faults.config.enomemRate)) return undefined;
    const start = this.zones.findIndex((z) => z.name === zone);
    for (let i = start; i >= 0; i--) {
      // get_page_from_freelist(): cond_accept_memory() before the watermark check, and again
      // (then try_this_zone) when the zone has no block of this order.
      const z = this.zones[i]!;
      this.condAcceptMemory(z, order);
      let pfn = z.take(order);
      if (pfn === undefined && this.condAcceptMemory(z, order)) pfn = z.take(order);
      if (pfn === undefined) continue;
      this.handOut(pfn, pagesOf(order), allocId);
      return pfn;
    }
    return undefined;
  }

  /** __free_pages(page, order). */
  freePages(pfn: number, order: number): void {
    if (!this.takeBack(pfn, pagesOf(order))) return;
    this.zoneOf(pfn).free(pfn, order);
    this.checkAccounting();
  }

  /** alloc_pages_exact(): get_order(size) pages, then make_alloc_exact() frees the tail page by page. */
  allocPagesExact(bytes: number, zone: ZoneName = 'Normal'): number | undefined {
    const order = getOrder(bytes);
    const id = this.newAllocId();
    const pfn = this.allocPages(order, zone, id);
    if (pfn === undefined) return undefined;
    for (let p = pfn + pfnUp(bytes); p < pfn + pagesOf(order); p++) this.freePages(p, 0);
    return pfn;
  }

  /** free_pages_exact(): free_page() on each page. */
  freePagesExact(pfn: number, bytes: number): void {
    for (let p = pfn; p < pfn + pfnUp(bytes); p++) this.freePages(p, 0);
  }

  /** alloc_contig_range(start, end): take exactly these free pages (as CMA does); false if any is not free. */
  allocContigRange(pfn: number, n: number): number | undefined {
    this.acceptPages(pfn, n);
    if (!this.mem.allOwnedBy(pfn, n, Owner.Free)) return undefined;
    const id = this.newAllocId();
    for (let p = pfn; p < pfn + n; p++) {
      if (!this.zoneOf(p).takePage(p)) throw new Error(`page allocator out of sync at pfn ${p}`);
    }
    this.handOut(pfn, n, id);
    return id;
  }

  /**
   * Fault injection: alloc_pages returns NULL, as if memory were exhausted, for
   * the call `at` from now (0 = the next one), or for every call from it on
   * with `onward`. Returns the function that clears the script.
   */
  failAllocations(at: number, onward = false): () => void {
    const script = { calls: 0, at, onward };
    this.failScript = script;
    return () => {
      if (this.failScript === script) this.failScript = undefined;
    };
  }

  /** free_reserved_area(): memblock-reserved pages handed to the page allocator after boot (e.g. the kernel image's freed gaps). */
  freeReservedArea(pfn: number, n: number): void {
    this.mem.transfer(pfn, n, Owner.Free);
    this.zoneOf(pfn).addRange(pfn, pfn + n);
    this.checkAccounting();
  }

  /** Mark pages leaked: out of use for good, never back in the free pool (invariant 6). */
  leak(pfn: number, n: number): void {
    this.mem.transfer(pfn, n, Owner.Leaked);
    this.counters.leakedPages += n;
  }

  /** Free pages over all zones. */
  get freePageCount(): number {
    let n = 0;
    for (const z of this.zones) n += z.freePages;
    return n;
  }

  zoneOf(pfn: number): BuddyZone {
    const z = this.zoneOrUndefined(pfn);
    if (!z) throw new Error(`pfn ${pfn} is in no zone`);
    return z;
  }

  private zoneOrUndefined(pfn: number): BuddyZone | undefined {
    for (const z of this.zones) if (z.contains(pfn)) return z;
    return undefined;
  }

  private handOut(pfn: number, n: number, allocId: number): void {
    const end = Math.min(pfn + n, this.mem.maxPfn);
    for (let s = pfn; s < end; ) {
      const e = Math.min(this.mem.runEnd(s), end);
      const state = this.mem.state(s);
      const owner = this.mem.owner(s);
      if (state === PageState.Shared) this.inv.record(1, s, e - s, 'page allocator handed out a shared page');
      else if (state === PageState.PrivatePending) this.inv.record(3, s, e - s, 'page allocator handed out an unaccepted page');
      if (owner !== Owner.Free) this.inv.record(owner === Owner.Leaked ? 6 : 7, s, e - s, `page allocator handed out a page owned by ${OWNER_NAMES[owner]}`);
      s = e;
    }
    this.mem.transfer(pfn, n, Owner.Allocated, allocId);
    this.checkAccounting();
  }

  /** Checks pages coming back; refuses (records, returns false) a double free or a leaked/foreign page. */
  private takeBack(pfn: number, n: number): boolean {
    let okay = true;
    const end = Math.min(pfn + n, this.mem.maxPfn);
    for (let s = pfn; s < end; ) {
      const e = Math.min(this.mem.runEnd(s), end);
      const state = this.mem.state(s);
      const owner = this.mem.owner(s);
      if (state === PageState.Shared) this.inv.record(1, s, e - s, 'a shared page was freed into the page allocator');
      if (owner === Owner.Leaked) this.inv.record(6, s, e - s, 'a leaked page was freed for reuse');
      else if (owner !== Owner.Allocated) this.inv.record(7, s, e - s, 'freeing a page that is not allocated');
      if (owner !== Owner.Allocated) okay = false;
      s = e;
    }
    if (okay) this.mem.transfer(pfn, n, Owner.Free);
    return okay;
  }

  /** Invariant 7: the buddy free lists and guest memory agree on how many pages are free. */
  private checkAccounting(): void {
    const free = this.freePageCount;
    const byMem = this.mem.pagesByOwner[Owner.Free]!;
    if (free !== byMem) this.inv.record(7, 0, Math.abs(free - byMem), `buddy free pages ${free} ≠ guest memory free pages ${byMem}`);
  }
}
