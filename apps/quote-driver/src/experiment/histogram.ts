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
    if (q >= 1) return this.max;
    const v = this.h.medianEquivalentValue(this.h.getValueAtPercentile(q * 100));
    return Math.min(this.max, Math.max(this.min, v));
  }

  summary(): LatencySummary | undefined {
    if (this.count === 0) return undefined;
    const cdf: [number, number][] = [];
    for (const q of CDF_AT) {
      const v = this.at(q);
      if (cdf.length && cdf[cdf.length - 1]![0] === v) cdf[cdf.length - 1]![1] = q;
      else cdf.push([v, q]);
    }
    return { p50: this.at(0.5), p95: this.at(0.95), p99: this.at(0.99), max: this.max, mean: this.sum / this.count, cdf };
  }
}
