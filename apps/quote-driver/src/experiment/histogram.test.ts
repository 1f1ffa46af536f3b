import { Int32Histogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { HISTOGRAM_DIGITS, LatencyHistogram } from './histogram.js';
import { Rng, sizeSampler } from './rng.js';
import { MAX_SERIES_POINTS, SeriesRecorder } from './series.js';

describe('LatencyHistogram', () => {
  it('percentiles within 10^-digits of the exact ones, exact max and mean, a monotone CDF of ~100 points', () => {
    const rng = new Rng(7);
    const h = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = Math.round(4_000_000 + 50_000 * rng.exponential(1));
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    const exact = (q: number) => values[Math.ceil(q * values.length) - 1]!;
    const s = h.summary()!;
    for (const [q, got] of [
      [0.5, s.p50],
      [0.95, s.p95],
      [0.99, s.p99],
    ] as const)
      expect(Math.abs(got - exact(q)) / exact(q), `p${q * 100}`).toBeLessThanOrEqual(10 ** -HISTOGRAM_DIGITS);
    expect(s.max).toBe(values[values.length - 1]);
    expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
    expect(s.cdf.length).toBeLessThanOrEqual(102);
    expect(s.cdf[s.cdf.length - 1]).toEqual([s.max, 1]);
    for (let i = 1; i < s.cdf.length; i++) {
      expect(s.cdf[i]![0]).toBeGreaterThan(s.cdf[i - 1]![0]);
      expect(s.cdf[i]![1]).toBeGreaterThan(s.cdf[i - 1]![1]);
    }
  });

  it('one walk gives the quantiles getValueAtPercentile gives, call by call', () => {
    const rng = new Rng(11);
    for (const spread of [0, 3, 5_000, 20_000_000]) {
      const h = new LatencyHistogram();
      const ref = Object.assign(new Int32Histogram(1, 2, HISTOGRAM_DIGITS), { autoResize: true });
      for (let i = 0; i < 3_000; i++) {
        const v = Math.round(4_000_000 + spread * rng.exponential(1));
        h.record(v);
        ref.recordValue(v);
      }
      const qs = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999];
      const expected = qs.map((q) => Math.min(ref.maxValue, Math.max(ref.minNonZeroValue, ref.medianEquivalentValue(ref.getValueAtPercentile(q * 100)))));
      expect(h.quantiles(qs), `spread ${spread}`).toEqual(expected);
    }
  });

  it('identical values read back exactly, and nothing recorded is no summary', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 50; i++) h.record(4_006_830);
    expect(h.summary()).toMatchObject({ p50: 4_006_830, p99: 4_006_830, max: 4_006_830, mean: 4_006_830, cdf: [[4_006_830, 1]] });
    expect(new LatencyHistogram().summary()).toBeUndefined();
  });
});

describe('SeriesRecorder', () => {
  it('keeps at most MAX_SERIES_POINTS samples, evenly strided, the first and the last included, the same every time', () => {
    const make = (n: number) => {
      const r = new SeriesRecorder();
      for (let i = 0; i < n; i++) r.add({ tNs: i * 10, directMap: { DirectMap4k: i, DirectMap2M: 0, DirectMap1G: 0 }, sharedBytes: 4096 * (i % 3) });
      return r.finish();
    };
    for (const n of [1, 150, 200, 401, 12_345, 100_000]) {
      const s = make(n);
      expect(s.tNs.length, String(n)).toBeLessThanOrEqual(MAX_SERIES_POINTS);
      expect(s.tNs.length, String(n)).toBeGreaterThanOrEqual(Math.min(n, MAX_SERIES_POINTS / 2));
      expect(s.tNs[0]).toBe(0);
      expect(s.tNs[s.tNs.length - 1]).toBe((n - 1) * 10);
      for (const k of ['directMap4k', 'directMap2M', 'directMap1G', 'sharedBytes'] as const) expect(s[k]).toHaveLength(s.tNs.length);
      expect(s.directMap4k).toEqual(s.tNs.map((t) => t / 10));
      expect(make(n)).toEqual(s);
    }
  });
});

describe('seeded workload streams', () => {
  it('are reproducible, and sizes follow their distribution', () => {
    expect(
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.next()
        )(new Rng(1, 2, 3)),
      ),
    ).toEqual(
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.next()
        )(new Rng(1, 2, 3)),
      ),
    );
    expect(new Rng(1, 2, 3).next()).not.toBe(new Rng(1, 2, 4).next());
    const draw = (d: Parameters<typeof sizeSampler>[0], n = 10_000) => Array.from({ length: n }, sizeSampler(d, new Rng(9)));
    const u = draw({ kind: 'uniform', min: 4096, max: 8192 });
    expect(Math.min(...u)).toBe(4096);
    expect(Math.max(...u)).toBe(8192);
    const c = draw({ kind: 'choice', values: [4096, 65536], weights: [3, 1] });
    expect(c.filter((x) => x === 4096).length / c.length).toBeCloseTo(0.75, 1);
    const l = draw({ kind: 'lognormal', median: 8192, sigma: 1, max: 65536 }).sort((a, b) => a - b);
    expect(l[l.length / 2]! / 8192).toBeCloseTo(1, 0);
    expect(l[l.length - 1]).toBe(65536);
    const r = new Rng(5);
    const gaps = Array.from({ length: 10_000 }, () => r.exponential(250));
    expect(gaps.reduce((a, b) => a + b, 0) / gaps.length).toBeCloseTo(250, -1);
  });
});
