import { RangeMap } from './range-map.js';
import { MAX_PAGE_ORDER } from './units.js';

/**
 * One zone's free areas (mm/page_alloc.c, struct free_area[]): a LIFO free
 * list per order below MAX_PAGE_ORDER, and the MAX_PAGE_ORDER blocks kept as a
 * range set so a fresh 4 TiB zone is one range, not a million list entries.
 * Boot memory is freed with FPI_TO_TAIL in PFN order (memblock_free_all), so
 * the lowest free max-order block is handed out first.
 */
export class BuddyZone {
  private readonly stacks: number[][] = [];
  private readonly members: Set<number>[] = [];
  /** Free MAX_PAGE_ORDER blocks, indexed by pfn >> MAX_PAGE_ORDER. */
  private readonly top: RangeMap;
  private topHint = 0;
  /** Free pages in this zone. */
  freePages = 0;

  constructor(
    readonly name: 'DMA' | 'DMA32' | 'Normal',
    readonly startPfn: number,
    readonly endPfn: number,
  ) {
    for (let o = 0; o < MAX_PAGE_ORDER; o++) {
      this.stacks.push([]);
      this.members.push(new Set());
    }
    this.top = new RangeMap(Math.ceil(endPfn / 2 ** MAX_PAGE_ORDER) + 1, 0);
  }

  contains(pfn: number): boolean {
    return pfn >= this.startPfn && pfn < this.endPfn;
  }

  /** Free a range at boot (__free_pages_core), as the largest aligned blocks. */
  addRange(start: number, end: number): void {
    let p = start;
    const top = 2 ** MAX_PAGE_ORDER;
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
      while (o + 1 < MAX_PAGE_ORDER && p % 2 ** (o + 1) === 0 && p + 2 ** (o + 1) <= end) o++;
      this.push(p, o);
      this.freePages += 2 ** o;
      p += 2 ** o;
    }
  }

  /** Whether a free block of exactly `order` starts at `pfn`. */
  isFree(pfn: number, order: number): boolean {
    if (order >= MAX_PAGE_ORDER) return this.top.get(pfn / 2 ** MAX_PAGE_ORDER) === 1;
    return this.members[order]!.has(pfn);
  }

  /** __rmqueue_smallest + expand: a block of `order`, splitting a larger one; the lower half is returned. */
  take(order: number): number | undefined {
    for (let o = order; o <= MAX_PAGE_ORDER; o++) {
      const pfn = o === MAX_PAGE_ORDER ? this.takeTop() : this.pop(o);
      if (pfn === undefined) continue;
      for (let h = o; h > order; h--) this.push(pfn + 2 ** (h - 1), h - 1);
      this.freePages -= 2 ** order;
      return pfn;
    }
    return undefined;
  }

  /** Remove the free block holding `pfn` and give back everything but that page (alloc_contig_range's isolation). */
  takePage(pfn: number): boolean {
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) {
      const block = pfn - (pfn % 2 ** o);
      if (!this.isFree(block, o)) continue;
      this.remove(block, o);
      let b = block;
      for (let h = o; h > 0; h--) {
        const half = 2 ** (h - 1);
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
    this.freePages += 2 ** order;
    while (order < MAX_PAGE_ORDER) {
      const buddy = pfn ^ (2 ** order);
      if (buddy < this.startPfn || buddy + 2 ** order > this.endPfn || !this.isFree(buddy, order)) break;
      this.remove(buddy, order);
      pfn = Math.min(pfn, buddy);
      order++;
    }
    if (order === MAX_PAGE_ORDER) {
      const i = pfn / 2 ** MAX_PAGE_ORDER;
      this.top.set(i, i + 1, 1);
      this.topHint = Math.min(this.topHint, i);
    } else this.push(pfn, order);
  }

  /** Number of entries held (memory use grows with this). */
  get entries(): number {
    return this.members.reduce((n, s) => n + s.size, 0) + this.top.size;
  }

  private push(pfn: number, order: number): void {
    this.stacks[order]!.push(pfn);
    this.members[order]!.add(pfn);
  }

  private pop(order: number): number | undefined {
    const st = this.stacks[order]!;
    const set = this.members[order]!;
    while (st.length > 0) {
      const p = st.pop()!;
      if (set.delete(p)) return p;
    }
    return undefined;
  }

  private remove(pfn: number, order: number): void {
    if (order >= MAX_PAGE_ORDER) {
      const i = pfn / 2 ** MAX_PAGE_ORDER;
      this.top.set(i, i + 1, 0);
    } else {
      this.members[order]!.delete(pfn); // lazily dropped from the stack
      const st = this.stacks[order]!;
      if (st.length > 64 && st.length > 4 * this.members[order]!.size) {
        this.stacks[order] = st.filter((p) => this.members[order]!.has(p));
      }
    }
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
    return found * 2 ** MAX_PAGE_ORDER;
  }
}
