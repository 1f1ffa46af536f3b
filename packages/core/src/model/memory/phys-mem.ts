import { RangeMap } from './range-map.js';
import { PAGE_SIZE } from '../../abi/units.js';
import type { Counters } from '../sim/metrics.js';

/**
 * Guest physical memory as ranges (docs/architecture.md "guest physical memory"): for every
 * page frame its TDX state and its owner, packed in one RangeMap value so a
 * 4 TiB guest costs nothing until touched. Contents are kept only for pages
 * that were written: private contents (guest-only) and shared contents (what
 * the host sees at the shared GPA) are separate, because a conversion really
 * swaps the backing memory (docs/model.md §2 "Conversion is destructive both ways").
 *
 * Who writes what: the page state is the TDX module's record (the SEPT and
 * the PAMT): only tdx-module/ changes it — on TDG.MEM.PAGE.ACCEPT, and when
 * the host's MapGPA handling removes private pages or zaps shared ones through
 * the module (Sept). The owner is the guest's struct page: only guest/mm
 * changes it. The host sees the shared backing alone (SharedBacking below).
 */

/** TDX page state. */
export enum PageState {
  /** Private and accepted: usable through a private mapping. */
  PrivateAccepted = 0,
  /** Private but not accepted (after shared→private, before TDG.MEM.PAGE.ACCEPT). */
  PrivatePending = 1,
  /** Shared: the host maps it through the shared EPT. */
  Shared = 2,
}

/** Who holds the page. */
export enum Owner {
  Free = 0,
  Allocated = 1,
  Swiotlb = 2,
  Leaked = 3,
  /** memblock reservations: first MiB, kernel image. */
  Reserved = 4,
  /** Not RAM (the PCI hole). */
  Hole = 5,
  /** On a zone's unaccepted list (PageUnaccepted): free, but not yet accepted as a whole block (mm/page_alloc.c __free_unaccepted). */
  Unaccepted = 6,
}

export const OWNER_NAMES = ['free', 'allocated', 'swiotlb', 'leaked', 'reserved', 'hole', 'unaccepted'] as const;
export const STATE_NAMES = ['private-accepted', 'private-pending', 'shared'] as const;

const pack = (state: number, owner: number, alloc: number) => alloc * 32 + owner * 4 + state;
export const stateOf = (v: number): PageState => (v & 3) as PageState;
export const ownerOf = (v: number): Owner => ((v >> 2) & 7) as Owner;
export const allocOf = (v: number): number => Math.floor(v / 32);

const READ = 0;
const WRITE = 1;
const ZERO = 2;

/** Dropped page buffers kept for reuse (16 MiB: a 4 MiB buffer's pages in both backings, twice over). */
const SPARE_PAGES = 4096;

export interface RamRange {
  readonly startPfn: number;
  readonly endPfn: number;
}

export class GuestMemory {
  private readonly map: RangeMap;
  readonly privateData = new Map<number, Uint8Array>();
  readonly sharedData = new Map<number, Uint8Array>();
  /** Page counts by owner (index = Owner) over RAM. */
  readonly pagesByOwner = [0, 0, 0, 0, 0, 0, 0];
  readonly totalRamPages: number;

  /**
   * Host writers racing the guest's loads of shared memory (SharedBacking.raceGuestLoads):
   * a host thread on another core rewriting a shared buffer while the guest reads it.
   * Each runs just before a guest load that overlaps its range.
   */
  private readonly racers = new Set<{ pa: number; end: number; run: (pa: number, length: number) => void }>();

  /** ∫ sharedPages dt up to `sharedSince` (page·ns), for the time-weighted mean of shared memory. */
  private sharedIntegral = 0;
  private sharedSince = 0;

  constructor(
    readonly maxPfn: number,
    readonly ram: readonly RamRange[],
    private readonly counters: Counters,
    /** Virtual time of the running task (for the shared-memory integral). */
    private readonly now: () => number = () => 0,
    /**
     * RAM the TD starts with unaccepted: never AUGed, pending in the TDX module
     * (docs/model.md §3 "Unaccepted memory"). The TD build's record, not a guest write.
     */
    pending: readonly RamRange[] = [],
  ) {
    this.map = new RangeMap(maxPfn, pack(PageState.PrivateAccepted, Owner.Hole, 0));
    let total = 0;
    for (const r of ram) {
      this.map.set(r.startPfn, r.endPfn, pack(PageState.PrivateAccepted, Owner.Free, 0));
      total += r.endPfn - r.startPfn;
    }
    for (const r of pending) this.map.set(r.startPfn, r.endPfn, pack(PageState.PrivatePending, Owner.Free, 0));
    this.totalRamPages = total;
    this.pagesByOwner[Owner.Free] = total;
    this.pagesByOwner[Owner.Hole] = maxPfn - total;
  }

  /** Packed value at `pfn` (use stateOf/ownerOf/allocOf). */
  get(pfn: number): number {
    return this.map.get(pfn);
  }
  state(pfn: number): PageState {
    return stateOf(this.map.get(pfn));
  }
  owner(pfn: number): Owner {
    return ownerOf(this.map.get(pfn));
  }
  allocId(pfn: number): number {
    return allocOf(this.map.get(pfn));
  }

  /** End (exclusive) of the run of equal state, owner and allocation that contains `pfn`. */
  runEnd(pfn: number): number {
    return this.map.runEnd(pfn);
  }

  /** Iterate runs over [pfn, pfn+n) as (start, end, state, owner, allocId). */
  forEach(pfn: number, n: number, fn: (s: number, e: number, state: PageState, owner: Owner, alloc: number) => boolean | void): void {
    this.map.forEachRun(pfn, pfn + n, (s, e, v) => fn(s, e, stateOf(v), ownerOf(v), allocOf(v)));
  }

  /** Whether every page in [pfn, pfn+n) matches. */
  every(pfn: number, n: number, pred: (state: PageState, owner: Owner, alloc: number) => boolean): boolean {
    return this.map.every(pfn, pfn + n, (v) => pred(stateOf(v), ownerOf(v), allocOf(v)));
  }

  /** Whether every page in [pfn, pfn+n) is in TDX state `state` (every() without a callback, for hot paths; pages past maxPfn are not looked at). */
  allInState(pfn: number, n: number, state: PageState): boolean {
    const end = Math.min(pfn + n, this.maxPfn);
    for (let p = pfn; p < end; p = this.map.runEnd(p)) if (stateOf(this.map.get(p)) !== state) return false;
    return true;
  }

  /** Whether every page in [pfn, pfn+n) is held by `owner`. */
  allOwnedBy(pfn: number, n: number, owner: Owner): boolean {
    const end = Math.min(pfn + n, this.maxPfn);
    for (let p = pfn; p < end; p = this.map.runEnd(p)) if (ownerOf(this.map.get(p)) !== owner) return false;
    return true;
  }

  /** Set owner and allocation id of [pfn, pfn+n), keeping states; pagesByOwner stays exact. */
  transfer(pfn: number, n: number, owner: Owner, alloc = 0): void {
    const v0 = this.map.get(pfn);
    if (this.map.runEnd(pfn) >= pfn + n) {
      // one run (the common case): one lookup, one set
      this.pagesByOwner[ownerOf(v0)]! -= n;
      this.map.set(pfn, pfn + n, pack(stateOf(v0), owner, alloc));
    } else {
      this.map.forEachRun(pfn, pfn + n, (s, e, v) => {
        this.pagesByOwner[ownerOf(v)]! -= e - s;
      });
      this.map.update(pfn, pfn + n, (v) => pack(stateOf(v), owner, alloc));
    }
    this.pagesByOwner[owner]! += n;
  }

  /** Set the TDX state of [pfn, pfn+n), keeping owners; maintains the shared-page gauge. */
  setState(pfn: number, n: number, state: PageState): void {
    let sharedDelta = 0;
    const v0 = this.map.get(pfn);
    if (this.map.runEnd(pfn) >= pfn + n) {
      // one run (the common case): one lookup, one set
      const was = stateOf(v0);
      if (was === PageState.Shared && state !== PageState.Shared) sharedDelta = -n;
      if (was !== PageState.Shared && state === PageState.Shared) sharedDelta = n;
      this.map.set(pfn, pfn + n, pack(state, ownerOf(v0), allocOf(v0)));
    } else {
      this.map.forEachRun(pfn, pfn + n, (s, e, v) => {
        const was = stateOf(v);
        if (was === PageState.Shared && state !== PageState.Shared) sharedDelta -= e - s;
        if (was !== PageState.Shared && state === PageState.Shared) sharedDelta += e - s;
      });
      this.map.update(pfn, pfn + n, (v) => pack(state, ownerOf(v), allocOf(v)));
    }
    const c = this.counters;
    if (sharedDelta !== 0) {
      const t = Math.max(this.sharedSince, this.now());
      this.sharedIntegral += c.sharedPages * (t - this.sharedSince);
      this.sharedSince = t;
    }
    c.sharedPages += sharedDelta;
    if (c.sharedPages > c.sharedPagesPeak) c.sharedPagesPeak = c.sharedPages;
  }

  /** ∫ shared pages dt (page·ns) from time 0 to `t`: the mean over [a, b] is (I(b) − I(a)) / (b − a). */
  sharedPageNs(t: number): number {
    return this.sharedIntegral + this.counters.sharedPages * Math.max(0, t - this.sharedSince);
  }

  /** Drop contents of [pfn, pfn+n) in one backing (conversion destroys them). */
  dropData(which: 'private' | 'shared', pfn: number, n: number): void {
    const m = which === 'private' ? this.privateData : this.sharedData;
    if (m.size === 0) return;
    if (n > m.size) {
      for (const [k, page] of m) {
        if (k < pfn || k >= pfn + n) continue;
        m.delete(k);
        this.recycle(page);
      }
    } else {
      for (let p = pfn; p < pfn + n; p++) {
        const page = m.get(p);
        if (!page) continue;
        m.delete(p);
        this.recycle(page);
      }
    }
  }

  /**
   * Page buffers whose contents were dropped, for the next pages written: a
   * buffer cycled through conversions drops and rewrites the same number of
   * pages every time, and reusing their buffers saves the allocation and the
   * garbage (never the copy). Bounded, so a big drop frees memory for good.
   */
  private readonly spare: Uint8Array[] = [];

  private recycle(page: Uint8Array): void {
    if (this.spare.length < SPARE_PAGES) this.spare.push(page);
  }

  /** A zero page, or one about to be overwritten whole (`whole`: contents need not be cleared). */
  private freshPage(whole: boolean): Uint8Array {
    const page = this.spare.pop();
    if (!page) return new Uint8Array(PAGE_SIZE);
    return whole ? page : page.fill(0);
  }

  /** Copy bytes out of one backing; never-written pages read as zero. */
  readData(which: 'private' | 'shared', pa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(which, pa, length, out, 0);
    return out;
  }

  /** Copy `length` bytes at `pa` out of one backing into `out` at `at`; never-written pages read as zero. */
  readInto(which: 'private' | 'shared', pa: number, length: number, out: Uint8Array, at: number): void {
    this.eachPage(READ, which, pa, length, out, at);
  }

  /** Copy bytes into one backing. */
  writeData(which: 'private' | 'shared', pa: number, data: Uint8Array): void {
    this.writeFrom(which, pa, data, 0, data.length);
  }

  /** Copy `length` bytes of `data` from `from` into one backing at `pa`. */
  writeFrom(which: 'private' | 'shared', pa: number, data: Uint8Array, from: number, length: number): void {
    this.eachPage(WRITE, which, pa, length, data, from);
  }

  /** Zero `length` bytes at `pa` of one backing; a page zeroed whole gives up its buffer (a never-written page reads as zero). */
  zeroData(which: 'private' | 'shared', pa: number, length: number): void {
    this.eachPage(ZERO, which, pa, length, undefined, 0);
  }

  /** Register a host writer that runs before every guest load of shared [pa, pa + length); returns its removal. */
  addRacer(pa: number, length: number, run: (pa: number, length: number) => void): () => void {
    const r = { pa, end: pa + length, run };
    this.racers.add(r);
    return () => this.racers.delete(r);
  }

  /** A guest load of shared [pa, pa + length) is about to happen: let the racing host writers in first. */
  beforeSharedLoad(pa: number, length: number): void {
    if (this.racers.size === 0) return;
    for (const r of [...this.racers]) if (pa < r.end && pa + length > r.pa) r.run(pa, length);
  }

  /** The page-by-page walk of [pa, pa + length) in one backing behind readInto (into buf at `at`), writeFrom (from buf at `at`) and zeroData. */
  private eachPage(op: typeof READ | typeof WRITE | typeof ZERO, which: 'private' | 'shared', pa: number, length: number, buf: Uint8Array | undefined, at: number): void {
    const m = which === 'private' ? this.privateData : this.sharedData;
    let done = 0;
    while (done < length) {
      const addr = pa + done;
      const pfn = Math.floor(addr / PAGE_SIZE);
      const off = addr - pfn * PAGE_SIZE;
      const take = Math.min(PAGE_SIZE - off, length - done);
      let page = m.get(pfn);
      if (op === READ) {
        if (page) buf!.set(off === 0 && take === PAGE_SIZE ? page : page.subarray(off, off + take), at + done);
        else buf!.fill(0, at + done, at + done + take);
      } else if (op === WRITE) {
        if (!page) {
          page = this.freshPage(take === PAGE_SIZE);
          m.set(pfn, page);
        }
        page.set(buf!.subarray(at + done, at + done + take), off);
      } else if (page && take === PAGE_SIZE) {
        m.delete(pfn);
        this.recycle(page);
      } else page?.fill(0, off, off + take);
      done += take;
    }
  }

  /** Number of distinct ranges (memory use grows with this, not with guest size). */
  get ranges(): number {
    return this.map.size;
  }
}
