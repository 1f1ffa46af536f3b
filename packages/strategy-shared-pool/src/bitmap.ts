/**
 * The bitmap search of lib/bitmap.c and lib/genalloc.c over one pool block,
 * one entry per 4 KiB page (gen_pool_create(PAGE_SHIFT, …): min_alloc_order
 * 12), 1 = the page belongs to a live buffer. Failures return a value ≥ `size`,
 * as the kernel's do.
 */
export type PageBitmap = Uint8Array;

/** find_next_bit(): the first set bit at or after `offset`, or `size`. */
export function findNextBit(map: PageBitmap, size: number, offset: number): number {
  for (let i = offset; i < size; i++) if (map[i]) return i;
  return size;
}

/** find_next_zero_bit(): the first clear bit at or after `offset`, or `size`. */
export function findNextZeroBit(map: PageBitmap, size: number, offset: number): number {
  for (let i = offset; i < size; i++) if (!map[i]) return i;
  return size;
}

/**
 * bitmap_find_next_zero_area(map, size, start, nr, align_mask): the first run
 * of `nr` clear bits at or after `start` whose index has no bit of
 * `alignMask` set; on failure the end of the last candidate (> size).
 */
export function bitmapFindNextZeroArea(map: PageBitmap, size: number, start: number, nr: number, alignMask: number): number {
  for (;;) {
    let index = findNextZeroBit(map, size, start);
    index = (index + alignMask) & ~alignMask; // __ALIGN_MASK(index, align_mask)
    const end = index + nr;
    if (end > size) return end;
    const i = findNextBit(map, end, index);
    if (i >= end) return index;
    start = i + 1;
  }
}

/**
 * gen_pool_best_fit() with an alignment mask: the aligned start of the
 * smallest free run that holds `nr` bits, and that run's length from the
 * start (next set bit − index); `run` is undefined when nothing fits. A run of
 * exactly `nr` ends the search, as in the kernel.
 */
export function bestFit(map: PageBitmap, size: number, nr: number, alignMask: number): { index: number; run: number } | undefined {
  let best: { index: number; run: number } | undefined;
  let index = bitmapFindNextZeroArea(map, size, 0, nr, alignMask);
  while (index < size) {
    const nextBit = findNextBit(map, size, index + nr);
    const run = nextBit - index;
    if (!best || run < best.run) {
      best = { index, run };
      if (run === nr) return best;
    }
    index = bitmapFindNextZeroArea(map, size, nextBit + 1, nr, alignMask);
  }
  return best;
}

/** bitmap_set() / bitmap_clear() of [start, start + nr). */
export function bitmapSet(map: PageBitmap, start: number, nr: number, value: 0 | 1): void {
  map.fill(value, start, start + nr);
}
