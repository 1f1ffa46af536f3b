/**
 * A map from integer keys (page frame numbers) to small-integer values, stored
 * as runs of equal values. Adjacent runs with equal values are always merged,
 * so memory is proportional to the number of distinct ranges, never to the
 * key space: a 4 TiB guest costs the same as a 4 GiB one until it is touched
 * (docs/architecture.md "Ranges, not pages").
 *
 * Runs live in chunks of at most CHUNK_MAX boundaries, each one typed array
 * (start keys, then values), so an update shifts at most one chunk in place:
 * O(log n + CHUNK_MAX) per update, and no update allocates except when a full
 * chunk splits.
 */

const CHUNK_MAX = 128;

/** One chunk: `n` run starts in buf[0, n) and their values in buf[CHUNK_MAX, CHUNK_MAX + n). */
class Chunk {
  readonly keys: Float64Array;
  readonly vals: Float64Array;
  n = 0;
  constructor() {
    const buf = new Float64Array(2 * CHUNK_MAX);
    this.keys = buf.subarray(0, CHUNK_MAX);
    this.vals = buf.subarray(CHUNK_MAX);
  }
}

export class RangeMap {
  private readonly chunks: Chunk[] = [];
  /** First key of every chunk (first[0] is always 0). */
  private readonly first: number[] = [];
  private runCount = 1;
  /** Last chunk found: consecutive operations mostly touch the same place. */
  private hint = 0;
  /** The run last looked up, [runStart, runStop) with runValue: a get and a runEnd of one key search once. Emptied by every set. */
  private runStart = 0;
  private runStop = 0;
  private runValue = 0;

  /** Every key in [0, limit) starts with `initial`. */
  constructor(
    readonly limit: number,
    initial: number,
  ) {
    const c = new Chunk();
    c.keys[0] = 0;
    c.vals[0] = initial;
    c.n = 1;
    this.chunks.push(c);
    this.first.push(0);
  }

  /** Number of runs (a measure of fragmentation and of memory use). */
  get size(): number {
    return this.runCount;
  }

  /** Value at key `k`. */
  get(k: number): number {
    if (k < this.runStart || k >= this.runStop) this.lookUp(k);
    return this.runValue;
  }

  /** End (exclusive) of the run containing `k`. */
  runEnd(k: number): number {
    if (k < this.runStart || k >= this.runStop) this.lookUp(k);
    return this.runStop;
  }

  /** Find the run holding `k` and remember it. */
  private lookUp(k: number): void {
    const ci = this.chunkIndex(k);
    const c = this.chunks[ci]!;
    const i = lastLE(c.keys, c.n, k);
    this.runStart = c.keys[i]!;
    this.runStop = i + 1 < c.n ? c.keys[i + 1]! : this.chunkEnd(ci);
    this.runValue = c.vals[i]!;
  }

  /** Whether every key in [from, to) has value `v` (no callback: the common question, asked on hot paths). Keys past the limit are not looked at. */
  allEqual(from: number, to: number, v: number): boolean {
    const end = Math.min(to, this.limit);
    for (let k = from; k < end; k = this.runEnd(k)) if (this.get(k) !== v) return false;
    return true;
  }

  /** Call `fn(start, end, value)` for each run overlapping [from, to), clipped to it. Stop when fn returns false. */
  forEachRun(from: number, to: number, fn: (start: number, end: number, value: number) => boolean | void): void {
    if (from >= to) return;
    let ci = this.chunkIndex(from);
    let c = this.chunks[ci]!;
    let i = lastLE(c.keys, c.n, from);
    let pos = from;
    while (pos < to) {
      const end = i + 1 < c.n ? c.keys[i + 1]! : this.chunkEnd(ci);
      const clipped = Math.min(end, to);
      if (fn(pos, clipped, c.vals[i]!) === false) return;
      pos = clipped;
      if (++i >= c.n) {
        if (++ci >= this.chunks.length) return;
        c = this.chunks[ci]!;
        i = 0;
      }
    }
  }

  /** Whether every key in [from, to) satisfies `pred` (keys past the limit are not looked at). */
  every(from: number, to: number, pred: (value: number) => boolean): boolean {
    const end = Math.min(to, this.limit);
    for (let k = from; k < end; k = this.runEnd(k)) if (!pred(this.get(k))) return false;
    return true;
  }

  /** Apply `fn` to the value of every run overlapping [from, to) (clipped to the limit). */
  update(from: number, to: number, fn: (value: number) => number): void {
    const last = Math.min(to, this.limit);
    // Setting [pos, end) never moves a boundary at or after `end`, so the walk can go on from there.
    for (let pos = from; pos < last; ) {
      const end = Math.min(this.runEnd(pos), last);
      this.set(pos, end, fn(this.get(pos)));
      pos = end;
    }
  }

  /** Set every key in [from, to) to `value`. */
  set(from: number, to: number, value: number): void {
    if (from >= to) return;
    if (from < 0 || to > this.limit) throw new RangeError(`RangeMap.set [${from}, ${to}) outside [0, ${this.limit})`);
    if (from >= this.runStart && to <= this.runStop && this.runValue === value) return; // already so (the run last looked up)
    this.runStop = this.runStart; // runs change below: forget the one last looked up
    const ci = this.chunkIndex(from);
    const c = this.chunks[ci]!;
    const i = lastLE(c.keys, c.n, from);
    const runEnd = i + 1 < c.n ? c.keys[i + 1]! : this.chunkEnd(ci);
    if (c.vals[i] === value && runEnd >= to) return; // already so
    // The value just before `from` (NaN at key 0: a run always starts there).
    const prev = c.keys[i]! < from ? c.vals[i]! : i > 0 ? c.vals[i - 1]! : ci > 0 ? this.lastValue(ci - 1) : Number.NaN;
    if (ci + 1 < this.chunks.length && to >= this.first[ci + 1]!) {
      this.setAcrossChunks(from, to, value, prev);
      return;
    }
    // Every boundary in [from, to] is in this chunk: replace them in place.
    const j = lastLE(c.keys, c.n, to);
    const atTo = to < this.limit ? c.vals[j]! : Number.NaN;
    const a = c.keys[i]! < from ? i + 1 : i; // first boundary ≥ from
    const b = j + 1; // first boundary > to
    const add = (prev !== value ? 1 : 0) + (to < this.limit && atTo !== value ? 1 : 0);
    const n = c.n + add - (b - a);
    if (n > CHUNK_MAX) {
      this.splitChunk(ci);
      this.set(from, to, value);
      return;
    }
    if (b - a !== add) shift(c, b, c.n, a + add);
    let p = a;
    if (prev !== value) {
      c.keys[p] = from;
      c.vals[p++] = value;
    }
    if (to < this.limit && atTo !== value) {
      c.keys[p] = to;
      c.vals[p] = atTo;
    }
    this.runCount += n - c.n;
    c.n = n;
    if (ci > 0) {
      if (n === 0) this.removeChunk(ci);
      else this.first[ci] = c.keys[0]!;
    }
  }

  /** set() when boundaries to replace lie in more than one chunk: delete them all, then add the (at most two) new ones. */
  private setAcrossChunks(from: number, to: number, value: number, prev: number): void {
    const atTo = to < this.limit ? this.get(to) : Number.NaN;
    this.runStop = this.runStart; // that lookup is about to go stale
    this.deleteBoundaries(from, to);
    if (prev !== value) this.insert(from, value);
    if (to < this.limit && atTo !== value) this.insert(to, atTo);
  }

  /** Delete every run boundary with from ≤ key ≤ to (chunk 0 may be left empty for a moment when from is 0: its key-0 run is re-added at once). */
  private deleteBoundaries(from: number, to: number): void {
    let ci = this.chunkIndex(from);
    while (ci < this.chunks.length) {
      const c = this.chunks[ci]!;
      const a = firstGE(c.keys, c.n, from);
      const b = firstGE(c.keys, c.n, to + 1);
      const more = b === c.n; // boundaries past `to` may be in the next chunk
      if (b > a) {
        shift(c, b, c.n, a);
        c.n -= b - a;
        this.runCount -= b - a;
      }
      if (ci > 0 && c.n === 0) this.removeChunk(ci);
      else {
        if (ci > 0) this.first[ci] = c.keys[0]!;
        ci++;
      }
      if (!more) return;
    }
  }

  /** Add a run boundary at `key` (not one already) with `value`. */
  private insert(key: number, value: number): void {
    let ci = this.chunkIndex(key);
    if (this.chunks[ci]!.n === CHUNK_MAX) {
      this.splitChunk(ci);
      ci = this.chunkIndex(key);
    }
    const c = this.chunks[ci]!;
    const p = firstGE(c.keys, c.n, key);
    shift(c, p, c.n, p + 1);
    c.keys[p] = key;
    c.vals[p] = value;
    c.n++;
    this.runCount++;
    if (ci > 0 && p === 0) this.first[ci] = key;
  }

  private chunkIndex(k: number): number {
    const f = this.first;
    const h = this.hint;
    if (h < f.length && f[h]! <= k && (h + 1 === f.length || k < f[h + 1]!)) return h;
    let lo = 0;
    let hi = f.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (f[mid]! <= k) lo = mid;
      else hi = mid - 1;
    }
    this.hint = lo;
    return lo;
  }

  /** Where chunk `ci`'s last run ends: the next chunk's first key, or the limit. */
  private chunkEnd(ci: number): number {
    return ci + 1 < this.first.length ? this.first[ci + 1]! : this.limit;
  }

  private lastValue(ci: number): number {
    const c = this.chunks[ci]!;
    return c.vals[c.n - 1]!;
  }

  private splitChunk(ci: number): void {
    const c = this.chunks[ci]!;
    const half = c.n >> 1;
    const right = new Chunk();
    right.keys.set(c.keys.subarray(half, c.n));
    right.vals.set(c.vals.subarray(half, c.n));
    right.n = c.n - half;
    c.n = half;
    this.chunks.splice(ci + 1, 0, right);
    this.first.splice(ci + 1, 0, right.keys[0]!);
  }

  private removeChunk(ci: number): void {
    this.chunks.splice(ci, 1);
    this.first.splice(ci, 1);
    if (this.hint >= this.first.length) this.hint = 0;
  }
}

/**
 * Move the runs [from, to) of a chunk to start at `at` (copyWithin on both
 * halves; a loop, since the builtin's call costs more than moving the few
 * dozen numbers a chunk holds).
 */
function shift(c: Chunk, from: number, to: number, at: number): void {
  const k = c.keys;
  const v = c.vals;
  if (at < from) {
    for (let i = from, j = at; i < to; i++, j++) {
      k[j] = k[i]!;
      v[j] = v[i]!;
    }
  } else {
    for (let i = to - 1, j = at + (to - from) - 1; i >= from; i--, j--) {
      k[j] = k[i]!;
      v[j] = v[i]!;
    }
  }
}

/** Index of the last of a[0, n) ≤ k (a is ascending, a[0] ≤ k). */
function lastLE(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a[mid]! <= k) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Index of the first of a[0, n) ≥ k, or n. */
function firstGE(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
