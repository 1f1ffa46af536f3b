import { describe, expect, it } from 'vitest';
import { downsampleCdf, stepPoints } from './series.js';

describe('thinning series for drawing', () => {
  it('a gauge keeps its first sample, every change and its last', () => {
    expect(stepPoints([0, 1, 2, 3, 4, 5], [7, 7, 9, 9, 9, 7], 100)).toEqual([
      [0, 7],
      [2, 9],
      [5, 7],
    ]);
  });

  it('never more points than asked, and only values from the data', () => {
    const t = Array.from({ length: 10_000 }, (_, i) => i);
    const v = t.map((i) => i % 2);
    const pts = stepPoints(t, v, 300);
    expect(pts.length).toBeLessThanOrEqual(300);
    expect(pts[0]).toEqual([0, 0]);
    expect(pts.at(-1)).toEqual([9_999, 1]);
    for (const [ti, vi] of pts) expect(v[ti]).toBe(vi);
  });

  it('a CDF keeps its ends', () => {
    const cdf = Array.from({ length: 1000 }, (_, i) => [1000 + i, (i + 1) / 1000] as [number, number]);
    const d = downsampleCdf(cdf, 200);
    expect(d.length).toBeLessThanOrEqual(200);
    expect(d[0]).toEqual([1000, 0.001]);
    expect(d.at(-1)).toEqual([1999, 1]);
  });
});
