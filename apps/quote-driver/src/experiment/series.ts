/**
 * A run's time series (direct map and shared memory at each request
 * completion) in bounded memory: samples are kept at a stride that doubles
 * whenever the buffer fills, so at most MAX_POINTS survive, chosen by index
 * alone (deterministic).
 */

/** Points a series ends with, at most. */
export const MAX_SERIES_POINTS = 200;

export interface Series {
  tNs: number[];
  directMap4k: number[];
  directMap2M: number[];
  directMap1G: number[];
  sharedBytes: number[];
}

export interface Sample {
  tNs: number;
  directMap: { DirectMap4k: number; DirectMap2M: number; DirectMap1G: number };
  sharedBytes: number;
}

export class SeriesRecorder {
  private readonly s: Series = { tNs: [], directMap4k: [], directMap2M: [], directMap1G: [], sharedBytes: [] };
  private stride = 1;
  private seen = 0;
  private last: Sample | undefined;

  /** Offer a sample; it is kept when its index is a multiple of the current stride. */
  add(sample: Sample): void {
    this.last = sample;
    if (this.seen++ % this.stride !== 0) return;
    this.push(sample);
    if (this.s.tNs.length >= 2 * MAX_SERIES_POINTS) this.halve();
  }

  /** The samples, the last one offered included, at most MAX_SERIES_POINTS. */
  finish(): Series {
    const lastIndex = this.seen - 1;
    if (this.last && lastIndex % this.stride !== 0) this.push(this.last);
    while (this.s.tNs.length > MAX_SERIES_POINTS) this.halve(true);
    return this.s;
  }

  private push(x: Sample): void {
    this.s.tNs.push(x.tNs);
    this.s.directMap4k.push(x.directMap.DirectMap4k);
    this.s.directMap2M.push(x.directMap.DirectMap2M);
    this.s.directMap1G.push(x.directMap.DirectMap1G);
    this.s.sharedBytes.push(x.sharedBytes);
  }

  /** Keep every other sample (and, at the end, the final one). */
  private halve(keepLast = false): void {
    for (const k of Object.keys(this.s) as (keyof Series)[]) {
      const a = this.s[k];
      const kept = a.filter((_, i) => i % 2 === 0);
      if (keepLast && (a.length - 1) % 2 !== 0) kept[kept.length - 1] = a[a.length - 1]!;
      this.s[k] = kept;
    }
    this.stride *= 2;
  }
}
