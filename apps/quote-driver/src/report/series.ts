/**
 * Thinning long series for drawing. Gauges (direct map, shared bytes) are step functions: only
 * the samples where the value changes carry information, so those are kept first; a CDF keeps
 * its first and last points and an even spread between. A drawn series never has more points
 * than asked, and never a value that was not in the data.
 */

/** Indices of `n` samples spread evenly over `len`, first and last included. */
function spread(len: number, n: number): number[] {
  if (len <= n) return Array.from({ length: len }, (_, i) => i);
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (len - 1)) / (n - 1))))];
}

/** [t, value] pairs of a gauge sampled at `tNs`: the first sample, each change, the last; at most `max` pairs. */
export function stepPoints(tNs: readonly number[], values: readonly number[], max: number): [number, number][] {
  const len = Math.min(tNs.length, values.length);
  const keep: number[] = [];
  for (let i = 0; i < len; i++) if (i === 0 || i === len - 1 || values[i] !== values[i - 1]) keep.push(i);
  const chosen = keep.length <= max ? keep : spread(keep.length, max).map((k) => keep[k]!);
  return chosen.map((i) => [tNs[i]!, values[i]!]);
}

/** A CDF's points thinned to at most `max`, the first and last kept. */
export function downsampleCdf(cdf: readonly (readonly [number, number])[], max: number): [number, number][] {
  return spread(cdf.length, max).map((i) => [cdf[i]![0], cdf[i]![1]]);
}
