/**
 * One zone's free lists below MAX_PAGE_ORDER (struct free_area[].free_list):
 * per order a doubly-linked list threaded through the free blocks themselves,
 * as the kernel threads them through struct page's lru — added at the head
 * (add_to_free_list), taken from the head (get_page_from_free_area), unlinked
 * anywhere (del_page_from_free_list) — and a block found by its first pfn,
 * as page_is_buddy() finds it by address.
 *
 * Compact, since a guest with scattered single-page allocations holds about
 * ten free blocks per allocation: every block is a slot in typed arrays (pfn,
 * order, prev, next: 17 bytes), found through an open-addressed table of slot
 * numbers (4 bytes per entry, at most half full). No object per block.
 */

const NIL = -1;
const INITIAL_SLOTS = 64;

export class FreeLists {
  /** Head slot of each order's list, NIL when empty. */
  private readonly head: Int32Array;
  private pfnOf: Float64Array;
  private orderOf: Int8Array;
  private prev: Int32Array;
  /** Next slot in the block's list; for an unused slot, the next unused one. */
  private next: Int32Array;
  /** First unused slot (they are chained through `next`), NIL when every slot is used. */
  private unused = NIL;
  /** Slots ever handed out: slots [0, used) exist. */
  private used = 0;
  /** pfn → slot + 1 by linear probing (0: empty), at most half full. */
  private table: Int32Array;
  private shift: number;
  /** Free blocks held. */
  size = 0;

  constructor(orders: number) {
    this.head = new Int32Array(orders).fill(NIL);
    this.pfnOf = new Float64Array(INITIAL_SLOTS);
    this.orderOf = new Int8Array(INITIAL_SLOTS);
    this.prev = new Int32Array(INITIAL_SLOTS);
    this.next = new Int32Array(INITIAL_SLOTS);
    this.table = new Int32Array(2 * INITIAL_SLOTS);
    this.shift = 32 - Math.log2(this.table.length);
  }

  /** The order of the free block starting at `pfn`, or −1 when no free block starts there. */
  orderAt(pfn: number): number {
    const slot = this.find(pfn);
    return slot === NIL ? -1 : this.orderOf[slot]!;
  }

  /** add_to_free_list(): the block [pfn, pfn + 2^order) at the head of its order's list. */
  push(pfn: number, order: number): void {
    const slot = this.allocSlot();
    this.pfnOf[slot] = pfn;
    this.orderOf[slot] = order;
    const h = this.head[order]!;
    this.prev[slot] = NIL;
    this.next[slot] = h;
    if (h !== NIL) this.prev[h] = slot;
    this.head[order] = slot;
    this.insert(pfn, slot);
    this.size++;
  }

  /** get_page_from_free_area() + del_page_from_free_list(): the head block of `order`, taken off; undefined when the list is empty. */
  pop(order: number): number | undefined {
    const slot = this.head[order]!;
    if (slot === NIL) return undefined;
    const pfn = this.pfnOf[slot]!;
    this.unlink(slot);
    return pfn;
  }

  /** del_page_from_free_list() of the block starting at `pfn` (it must be on a list). */
  remove(pfn: number): void {
    const slot = this.find(pfn);
    if (slot === NIL) throw new Error(`free lists: no free block at pfn ${pfn}`);
    this.unlink(slot);
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p !== NIL) this.next[p] = n;
    else this.head[this.orderOf[slot]!] = n;
    if (n !== NIL) this.prev[n] = p;
    this.erase(this.pfnOf[slot]!);
    this.next[slot] = this.unused;
    this.unused = slot;
    this.size--;
  }

  private allocSlot(): number {
    if (this.unused !== NIL) {
      const slot = this.unused;
      this.unused = this.next[slot]!;
      return slot;
    }
    if (this.used === this.pfnOf.length) this.grow();
    return this.used++;
  }

  /** Double the slots and rebuild the table for them. */
  private grow(): void {
    const n = this.pfnOf.length * 2;
    const widen = <T extends Float64Array | Int8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.pfnOf = widen(this.pfnOf, (k) => new Float64Array(k));
    this.orderOf = widen(this.orderOf, (k) => new Int8Array(k));
    this.prev = widen(this.prev, (k) => new Int32Array(k));
    this.next = widen(this.next, (k) => new Int32Array(k));
    const old = this.table;
    this.table = new Int32Array(2 * n);
    this.shift = 32 - Math.log2(this.table.length);
    for (let i = 0; i < old.length; i++) {
      const e = old[i]!;
      if (e !== 0) this.insert(this.pfnOf[e - 1]!, e - 1);
    }
  }

  /** Home bucket of `pfn`: a multiplicative hash of both 32-bit halves (pfns pass 2^32 in a guest above 16 TiB). */
  private home(pfn: number): number {
    const lo = pfn >>> 0;
    const hi = (pfn / 0x1_0000_0000) >>> 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  private find(pfn: number): number {
    const t = this.table;
    const mask = t.length - 1;
    for (let i = this.home(pfn); ; i = (i + 1) & mask) {
      const e = t[i]!;
      if (e === 0) return NIL;
      if (this.pfnOf[e - 1] === pfn) return e - 1;
    }
  }

  private insert(pfn: number, slot: number): void {
    const t = this.table;
    const mask = t.length - 1;
    let i = this.home(pfn);
    while (t[i] !== 0) i = (i + 1) & mask;
    t[i] = slot + 1;
  }

  /** Take `pfn` out of the table, moving later entries of its probe chain back so every lookup still finds them. */
  private erase(pfn: number): void {
    const t = this.table;
    const mask = t.length - 1;
    let i = this.home(pfn);
    while (this.pfnOf[t[i]! - 1] !== pfn) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; t[j] !== 0; j = (j + 1) & mask) {
      const h = this.home(this.pfnOf[t[j]! - 1]!);
      // the entry at j may fill the hole at i unless its home lies cyclically in (i, j]
      if (i <= j ? h <= i || h > j : h <= i && h > j) {
        t[i] = t[j]!;
        i = j;
      }
    }
    t[i] = 0;
  }
}
