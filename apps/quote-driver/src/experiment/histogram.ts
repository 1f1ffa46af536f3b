/**
 * Latency distributions in constant memory: an HDR histogram (hdr-histogram-js)
 * with 4 significant digits, so every percentile is within 0.01 % of the exact
 * value whatever the request count; min, max and mean are exact.
 */
import { Int32Histogram } from 'hdr-histogram-js';

/** Significant decimal digits the histograms keep (relative error ≤ 10^-digits). */
export const HISTOGRAM_DIGITS = 4;

/** Percentiles, exact max and mean, and the CDF in at most ~100 points. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  /** [[ns, fraction of requests at or below], …], increasing in both. */
  cdf: [number, number][];
}

/** Fractions the CDF is sampled at: every percent, plus the tail. */
const CDF_AT = [...Array.from({ length: 99 }, (_, i) => (i + 1) / 100), 0.995, 0.999, 1];

export class LatencyHistogram {
  private readonly h = Object.assign(new Int32Histogram(1, 2, HISTOGRAM_DIGITS), { autoResize: true });
  private min = Number.POSITIVE_INFINITY;
  private max = 0;
  private sum = 0;
  count = 0;

  /** Record one value in ns (rounded to a whole ns; negative values count as 0). */
  record(ns: number): void {
    const v = Math.max(0, Math.round(ns));
    this.h.recordValue(v);
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The value at quantile `q` (0–1): the middle of its histogram bucket, never outside the exact [min, max]. */
  at(q: number): number {
    return this.quantiles([q])[0]!;
  }

  /**
   * at(q) for every q of the ascending `qs`, in one walk over the buckets
   * (getValueAtPercentile walks from the first bucket on every call: a CDF of
   * ~100 points would walk them ~100 times). The count each quantile needs is
   * computed as getValueAtPercentile does, so the values are the same.
   */
  quantiles(qs: readonly number[]): number[] {
    const h = this.h;
    const out: number[] = [];
    let total = 0;
    let i = 0;
    for (const q of qs) {
      if (q >= 1) {
        out.push(this.max);
        continue;
      }
      const fp = (Math.min(q * 100, 100) / 100) * h.totalCount;
      const need = Math.max(Math.ceil(fp - ulp(fp)), 1);
      while (i < h.countsArrayLength && total + h.getCountAtIndex(i) < need) total += h.getCountAtIndex(i++);
      let v = 0;
      if (i < h.countsArrayLength) v = q === 0 ? h.lowestEquivalentValue(h.valueFromIndex(i)) : h.highestEquivalentValue(h.valueFromIndex(i));
      v = h.medianEquivalentValue(v);
      out.push(Math.min(this.max, Math.max(this.min, v)));
    }
    return out;
  }

  summary(): LatencySummary | undefined {
    if (this.count === 0) return undefined;
    const values = this.quantiles(CDF_AT);
    const cdf: [number, number][] = [];
    CDF_AT.forEach((q, k) => {
      const v = values[k]!;
      if (cdf.length && cdf[cdf.length - 1]![0] === v) cdf[cdf.length - 1]![1] = q;
      else cdf.push([v, q]);
    });
    const [p50, p95, p99] = this.quantiles([0.5, 0.95, 0.99]);
    return { p50: p50!, p95: p95!, p99: p99!, max: this.max, mean: this.sum / this.count, cdf };
  }
}

/** The unit in the last place of `x` as hdr-histogram-js computes it (its ulp.ts), for the same rounding of the count at a percentile. */
const ulp = (x: number) => 2 ** (Math.floor(Math.log2(x)) - 52);
