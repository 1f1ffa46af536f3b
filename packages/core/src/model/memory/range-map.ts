/**
 * A map from integer keys (page frame numbers) to small-integer values, stored
 * as runs of equal values. Adjacent runs with equal values are always merged,
 * so memory is proportional to the number of distinct ranges, never to the
 * key space: a 4 TiB guest costs the same as a 4 GiB one until it is touched
 * (docs/architecture.md "Ranges, not pages").
 *
 * Runs live in chunks of at most CHUNK_MAX boundaries, so an insert or delete
 * moves at most one chunk: O(log n + CHUNK_MAX) per update.
 */

const CHUNK_MAX = 256;

interface Chunk {
  /** Start key of each run. */
  s: number[];
  /** Value of each run. */
  v: number[];
}

export class RangeMap {
  private chunks: Chunk[];
  /** First key of every chunk (chunkFirst[0] is always 0). */
  private chunkFirst: number[];
  private runCount = 1;

  /** Every key in [0, limit) starts with `initial`. */
  constructor(
    readonly limit: number,
    initial: number,
  ) {
    this.chunks = [{ s: [0], v: [initial] }];
    this.chunkFirst = [0];
  }

  /** Number of runs (a measure of fragmentation and of memory use). */
  get size(): number {
    return this.runCount;
  }

  /** Value at key `k`. */
  get(k: number): number {
    const ci = this.chunkIndex(k);
    const c = this.chunks[ci]!;
    return c.v[lastLE(c.s, k)]!;
  }

  /** End (exclusive) of the run containing `k`. */
  runEnd(k: number): number {
    const ci = this.chunkIndex(k);
    const c = this.chunks[ci]!;
    const i = lastLE(c.s, k);
    if (i + 1 < c.s.length) return c.s[i + 1]!;
    const next = this.chunks[ci + 1];
    return next ? next.s[0]! : this.limit;
  }

  /** Call `fn(start, end, value)` for each run overlapping [from, to), clipped to it. Stop when fn returns false. */
  forEachRun(from: number, to: number, fn: (start: number, end: number, value: number) => boolean | void): void {
    let ci = this.chunkIndex(from);
    let i = lastLE(this.chunks[ci]!.s, from);
    let pos = from;
    while (pos < to) {
      const c = this.chunks[ci]!;
      let end: number;
      if (i + 1 < c.s.length) end = c.s[i + 1]!;
      else end = this.chunks[ci + 1]?.s[0] ?? this.limit;
      const clipped = Math.min(end, to);
      if (fn(pos, clipped, c.v[i]!) === false) return;
      pos = clipped;
      i++;
      if (i >= c.s.length) {
        ci++;
        i = 0;
        if (ci >= this.chunks.length) return;
      }
    }
  }

  /** Whether every key in [from, to) satisfies `pred`. */
  every(from: number, to: number, pred: (value: number) => boolean): boolean {
    if (to <= this.runEnd(from)) return pred(this.get(from)); // one run: no iteration
    let all = true;
    this.forEachRun(from, to, (_s, _e, v) => {
      if (!pred(v)) all = false;
      return all;
    });
    return all;
  }

  /** Set every key in [from, to) to `value`. */
  set(from: number, to: number, value: number): void {
    if (from >= to) return;
    if (from < 0 || to > this.limit) throw new RangeError(`RangeMap.set [${from}, ${to}) outside [0, ${this.limit})`);
    if (this.setWithinChunk(from, to, value)) return;
    this.splitAt(to);
    this.splitAt(from);
    // Delete boundaries strictly inside (from, to), then set the run at `from`.
    this.deleteBoundaries(from + 1, to);
    const ci = this.chunkIndex(from);
    const c = this.chunks[ci]!;
    const i = lastLE(c.s, from);
    c.v[i] = value;
    // Merge with the next run and the previous run when equal.
    if (to < this.limit && this.get(to) === value) this.deleteBoundaries(to, to + 1);
    if (from > 0 && this.get(from - 1) === value) this.deleteBoundaries(from, from + 1);
  }

  /**
   * Fast path of `set` when every boundary it touches lies in one chunk: one
   * splice, no re-searching. Returns false to fall back to the general path.
   */
  private setWithinChunk(from: number, to: number, value: number): boolean {
    const ci = this.chunkIndex(from);
    const c = this.chunks[ci]!;
    const next = this.chunks[ci + 1];
    if (next && to >= next.s[0]!) return false;
    const s = c.s;
    const v = c.v;
    const i = lastLE(s, from);
    // value before `from` (undefined at key 0)
    let prev: number | undefined;
    if (s[i]! < from) prev = v[i];
    else if (i > 0) prev = v[i - 1];
    else if (ci > 0) {
      const pc = this.chunks[ci - 1]!;
      prev = pc.v[pc.v.length - 1];
    }
    const j = lastLE(s, to);
    const atTo = to < this.limit ? v[j]! : undefined;
    const a = s[i]! < from ? i + 1 : i;
    let b = j + 1; // boundaries in [from, to] are s[a..b)
    if (s[j]! !== to && s[j]! < from) b = a; // no boundary inside
    const ns: number[] = [];
    const nv: number[] = [];
    if (prev !== value) {
      ns.push(from);
      nv.push(value);
    }
    if (atTo !== undefined && atTo !== value) {
      ns.push(to);
      nv.push(atTo);
    }
    if (ci > 0 && a === 0 && ns.length === 0 && b >= s.length) return false; // chunk would empty: general path
    const removed = b - a;
    if (ns.length === 0) {
      s.splice(a, removed);
      v.splice(a, removed);
    } else if (ns.length === 1) {
      s.splice(a, removed, ns[0]!);
      v.splice(a, removed, nv[0]!);
    } else {
      s.splice(a, removed, ns[0]!, ns[1]!);
      v.splice(a, removed, nv[0]!, nv[1]!);
    }
    this.runCount += ns.length - removed;
    if (ci > 0) this.chunkFirst[ci] = s[0]!;
    if (s.length > CHUNK_MAX) this.splitChunk(ci);
    return true;
  }

  /** Apply `fn` to the value of every run overlapping [from, to). */
  update(from: number, to: number, fn: (value: number) => number): void {
    if (to <= this.runEnd(from)) {
      this.set(from, to, fn(this.get(from)));
      return;
    }
    const pieces: number[] = [];
    this.forEachRun(from, to, (s, e, v) => {
      pieces.push(s, e, fn(v));
    });
    for (let p = 0; p < pieces.length; p += 3) this.set(pieces[p]!, pieces[p + 1]!, pieces[p + 2]!);
  }

  /** Last chunk found: consecutive operations mostly touch the same place. */
  private hint = 0;

  private chunkIndex(k: number): number {
    const f = this.chunkFirst;
    const h = this.hint;
    if (h < f.length && f[h]! <= k && (h + 1 === f.length || k < f[h + 1]!)) return h;
    this.hint = lastLE(f, k);
    return this.hint;
  }

  /** Make `k` a run boundary (no-op at 0, limit, or an existing boundary). */
  private splitAt(k: number): void {
    if (k <= 0 || k >= this.limit) return;
    const ci = this.chunkIndex(k);
    const c = this.chunks[ci]!;
    const i = lastLE(c.s, k);
    if (c.s[i] === k) return;
    c.s.splice(i + 1, 0, k);
    c.v.splice(i + 1, 0, c.v[i]!);
    this.runCount++;
    if (c.s.length > CHUNK_MAX) this.splitChunk(ci);
  }

  /** Delete every boundary key in [from, to) (never key 0). */
  private deleteBoundaries(from: number, to: number): void {
    if (from <= 0) from = 1;
    let ci = this.chunkIndex(from);
    while (ci < this.chunks.length) {
      const c = this.chunks[ci]!;
      let a = firstGE(c.s, from);
      const b = firstGE(c.s, to);
      if (a >= c.s.length) {
        ci++;
        continue;
      }
      if (a >= b) break;
      if (a === 0 && ci === 0) a = 1;
      const n = b - a;
      if (n > 0) {
        c.s.splice(a, n);
        c.v.splice(a, n);
        this.runCount -= n;
      }
      if (c.s.length === 0) {
        this.chunks.splice(ci, 1);
        this.chunkFirst.splice(ci, 1);
        continue;
      }
      this.chunkFirst[ci] = c.s[0]!;
      if (b < c.s.length + n) break;
      ci++;
    }
    // chunk 0 always begins at key 0
    this.chunkFirst[0] = 0;
  }

  private splitChunk(ci: number): void {
    const c = this.chunks[ci]!;
    const half = c.s.length >> 1;
    const right: Chunk = { s: c.s.splice(half), v: c.v.splice(half) };
    this.chunks.splice(ci + 1, 0, right);
    this.chunkFirst.splice(ci + 1, 0, right.s[0]!);
  }
}

/** Index of the last element ≤ k (arrays are sorted, a[0] ≤ k). */
function lastLE(a: number[], k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a[mid]! <= k) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Index of the first element ≥ k, or a.length. */
function firstGE(a: number[], k: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
