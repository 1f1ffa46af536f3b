import { RangeMap } from '../../memory/range-map.js';
import { FreeLists } from './free-lists.js';
import { MAX_PAGE_ORDER, alignDown } from '../../../abi/units.js';

/** Pages in a MAX_PAGE_ORDER block. */
const TOP = 1 << MAX_PAGE_ORDER;

/**
 * One zone's free areas (mm/page_alloc.c, struct free_area[]): a LIFO free
 * list per order below MAX_PAGE_ORDER, and the MAX_PAGE_ORDER blocks kept as a
 * range set so a fresh 4 TiB zone is one range, not a million list entries.
 * Boot memory is freed with FPI_TO_TAIL in PFN order (memblock_free_all), so
 * the lowest free max-order block is handed out first.
 */
export class BuddyZone {
  /** Free lists below MAX_PAGE_ORDER (free-lists.ts). */
  private readonly lists = new FreeLists(MAX_PAGE_ORDER);
  /** Free MAX_PAGE_ORDER blocks, indexed by pfn >> MAX_PAGE_ORDER. */
  private readonly top: RangeMap;
  private topHint = 0;
  /** Free pages in this zone (accepted: on the free lists). */
  freePages = 0;
  /**
   * zone->unaccepted_pages (mm/page_alloc.c __free_unaccepted): MAX_PAGE_ORDER
   * blocks not yet accepted, indexed by pfn >> MAX_PAGE_ORDER. Boot adds them
   * with list_add_tail in PFN order and try_to_accept_memory_one() takes
   * list_first_entry, so the lowest block goes first.
   */
  private readonly unaccepted: RangeMap;
  private unacceptedHint = 0;
  /** NR_UNACCEPTED: pages in blocks on the unaccepted list. */
  unacceptedPages = 0;
  /** zone_managed_pages(): everything memblock_free_all() handed to the zone, unaccepted blocks included. */
  managedPages = 0;
  /** _watermark[WMARK_MIN..WMARK_PROMO] in pages; all 0 until init_per_zone_wmark_min() (watermarks.ts). */
  readonly wmark = { min: 0, low: 0, high: 0, promo: 0 };

  constructor(
    readonly name: 'DMA' | 'DMA32' | 'Normal',
    readonly startPfn: number,
    readonly endPfn: number,
  ) {
    this.top = new RangeMap(Math.ceil(endPfn / TOP) + 1, 0);
    this.unaccepted = new RangeMap(Math.ceil(endPfn / TOP) + 1, 0);
  }

  /** __free_unaccepted() for the MAX_PAGE_ORDER blocks [start, end) (both TOP-aligned). */
  addUnaccepted(start: number, end: number): void {
    if (end <= start) return;
    this.unaccepted.set(start / TOP, end / TOP, 1);
    this.unacceptedHint = Math.min(this.unacceptedHint, start / TOP);
    this.unacceptedPages += end - start;
    this.managedPages += end - start;
  }

  /** Whether the zone still has unaccepted blocks (list_empty(&zone->unaccepted_pages) is false). */
  get hasUnaccepted(): boolean {
    return this.unacceptedPages > 0;
  }

  /** list_first_entry_or_null(&zone->unaccepted_pages) + list_del: the lowest unaccepted block, or undefined. */
  takeUnaccepted(): number | undefined {
    let found: number | undefined;
    this.unaccepted.forEachRun(this.unacceptedHint, this.unaccepted.limit, (s, _e, v) => {
      if (v === 1) found = s;
      return v !== 1;
    });
    if (found === undefined) return undefined;
    this.unacceptedHint = found;
    return this.takeUnacceptedAt(found * TOP) ? found * TOP : undefined;
  }

  /** Take the unaccepted block holding `pfn` off the list (accept_page() of a PageUnaccepted block); false when it is not there. */
  takeUnacceptedAt(pfn: number): boolean {
    const i = Math.floor(pfn / TOP);
    if (this.unaccepted.get(i) !== 1) return false;
    this.unaccepted.set(i, i + 1, 0);
    this.unacceptedPages -= TOP;
    return true;
  }

  contains(pfn: number): boolean {
    return pfn >= this.startPfn && pfn < this.endPfn;
  }

  /** Free a range at boot (__free_pages_core), as the largest aligned blocks. */
  addRange(start: number, end: number): void {
    if (end > start) this.managedPages += end - start;
    let p = start;
    const top = TOP;
    while (p < end) {
      if (p % top === 0 && p + top <= end) {
        const blocks = Math.floor((end - p) / top);
        this.top.set(p / top, p / top + blocks, 1);
        this.topHint = Math.min(this.topHint, p / top);
        this.freePages += blocks * top;
        p += blocks * top;
        continue;
      }
      let o = 0;
      while (o + 1 < MAX_PAGE_ORDER && p % (1 << (o + 1)) === 0 && p + (1 << (o + 1)) <= end) o++;
      this.push(p, o);
      this.freePages += 1 << o;
      p += 1 << o;
    }
  }

  /** Whether a free block of exactly `order` starts at `pfn`. */
  isFree(pfn: number, order: number): boolean {
    if (order >= MAX_PAGE_ORDER) return this.top.get(pfn / TOP) === 1;
    return this.lists.orderAt(pfn) === order;
  }

  /** __rmqueue_smallest + expand: a block of `order`, splitting a larger one; the lower half is returned. */
  take(order: number): number | undefined {
    for (let o = order; o <= MAX_PAGE_ORDER; o++) {
      const pfn = o === MAX_PAGE_ORDER ? this.takeTop() : this.pop(o);
      if (pfn === undefined) continue;
      for (let h = o; h > order; h--) this.push(pfn + (1 << (h - 1)), h - 1);
      this.freePages -= 1 << order;
      return pfn;
    }
    return undefined;
  }

  /** Remove the free block holding `pfn` and give back everything but that page (alloc_contig_range's isolation). */
  takePage(pfn: number): boolean {
    // At most one free block holds pfn; untouched memory is in a max-order block, so look there first.
    for (let o = MAX_PAGE_ORDER; o >= 0; o--) {
      const block = alignDown(pfn, 1 << o);
      if (!this.isFree(block, o)) continue;
      this.remove(block, o);
      let b = block;
      for (let h = o; h > 0; h--) {
        const half = 1 << (h - 1);
        if (pfn < b + half) this.push(b + half, h - 1);
        else {
          this.push(b, h - 1);
          b += half;
        }
      }
      this.freePages -= 1;
      return true;
    }
    return false;
  }

  /** __free_one_page: merge with free buddies up to MAX_PAGE_ORDER. */
  free(pfn: number, order: number): void {
    this.freePages += 1 << order;
    while (order < MAX_PAGE_ORDER) {
      const buddy = pfn ^ (1 << order);
      if (buddy < this.startPfn || buddy + (1 << order) > this.endPfn || !this.isFree(buddy, order)) break;
      this.remove(buddy, order);
      pfn = Math.min(pfn, buddy);
      order++;
    }
    if (order === MAX_PAGE_ORDER) {
      const i = pfn / TOP;
      this.top.set(i, i + 1, 1);
      this.topHint = Math.min(this.topHint, i);
    } else this.push(pfn, order);
  }

  /** Number of entries held (memory use grows with this). */
  get entries(): number {
    return this.lists.size + this.top.size + this.unaccepted.size;
  }

  /** add_to_free_list(): at the head (LIFO, as the kernel's list_add). */
  private push(pfn: number, order: number): void {
    this.lists.push(pfn, order);
  }

  /** get_page_from_free_area(): the head of the list. */
  private pop(order: number): number | undefined {
    return this.lists.pop(order);
  }

  /** del_page_from_free_list(). */
  private remove(pfn: number, order: number): void {
    if (order >= MAX_PAGE_ORDER) {
      const i = pfn / TOP;
      this.top.set(i, i + 1, 0);
      return;
    }
    this.lists.remove(pfn);
  }

  private takeTop(): number | undefined {
    let found: number | undefined;
    this.top.forEachRun(this.topHint, this.top.limit, (s, _e, v) => {
      if (v === 1) {
        found = s;
        return false;
      }
      return true;
    });
    if (found === undefined) {
      this.topHint = this.top.limit;
      return undefined;
    }
    this.topHint = found;
    this.top.set(found, found + 1, 0);
    return found * TOP;
  }
}
