/** What every chart builder returns, and the encodings they share. */
import type { TopLevelSpec } from 'vega-lite';
import { shortLabel } from '../format.js';
import type { PointRow, ReportModel } from '../model.js';
import { strategyScales } from '../palette.js';

/** One chart of the report, or the sentence that says why it is not drawn. */
export interface Figure {
  /** Anchor id, unique in the page. */
  id: string;
  title: string;
  /** What the chart shows and how to read it (units, scales, what was aggregated). */
  caption: string;
  spec?: TopLevelSpec;
  /** Set when there is nothing to draw: the reason, shown in place of the chart. */
  omitted?: string;
}

/** A figure with nothing to draw. */
export const omittedFigure = (id: string, title: string, omitted: string): Figure => ({ id, title, caption: '', omitted });

/** The strategy field every chart colours by, with each strategy's look in the experiment's order. */
export function strategyEncoding(m: ReportModel, channels: readonly ('color' | 'strokeDash' | 'shape')[] = ['color']) {
  const scales = strategyScales(m.strategies, shortLabel);
  const enc: Record<string, unknown> = {};
  for (const ch of channels) enc[ch] = { field: 'strategy', type: 'nominal', title: 'strategy', scale: scales[ch], sort: scales.color.domain };
  return enc;
}

/** The strategy axis of bar and dot charts: one band per strategy in the experiment's order. */
export const strategyAxis = (m: ReportModel) => ({
  field: 'strategy',
  type: 'nominal' as const,
  title: null,
  sort: m.strategies.map(shortLabel),
  scale: { domain: m.strategies.map(shortLabel) },
  axis: { labelLimit: 300 },
});

/** Rows grouped by point, in the model's point order; rows of several seeds stay together. */
export function byPoint(rows: readonly PointRow[], points: readonly string[]): [string, PointRow[]][] {
  return points.map((p) => [p, rows.filter((r) => r.point === p)] as [string, PointRow[]]).filter(([, rs]) => rs.length > 0);
}

/** Mean of the numbers (undefined for none). */
export function mean(xs: readonly number[]): number | undefined {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/** True when positive values span at least `ratio` (a log scale reads better). */
export function spansDecades(values: readonly number[], ratio = 30): boolean {
  const pos = values.filter((v) => v > 0);
  return pos.length > 1 && Math.max(...pos) / Math.min(...pos) >= ratio;
}

/** The text of a point in a title: "at 8 KiB · poll", or "" when nothing was swept. */
export const atPoint = (point: string) => (point ? ` at ${point}` : '');

/** Vega expression formatting a byte count in its axis label: 8 KiB, 1 MiB, 1.5 GiB. */
export const BYTES_LABEL_EXPR =
  "datum.value >= 1073741824 ? format(datum.value / 1073741824, '~g') + ' GiB' : datum.value >= 1048576 ? format(datum.value / 1048576, '~g') + ' MiB' : datum.value >= 1024 ? format(datum.value / 1024, '~g') + ' KiB' : format(datum.value, '~g') + ' B'";

/** Vega expression formatting a time in µs in its axis label: 850 µs, 4.2 ms, 1 s. */
export const US_LABEL_EXPR = "datum.value >= 1e6 ? format(datum.value / 1e6, '~g') + ' s' : datum.value >= 1e3 ? format(datum.value / 1e3, '~g') + ' ms' : format(datum.value, '~g') + ' µs'";

/**
 * A log scale over `values` that reads well: each panel's domain widened to whole decades (nice),
 * ticks at the powers of ten (and 2× and 5× when that leaves fewer than four), not at every
 * multiple. Vega draws only the ticks inside a panel's domain.
 */
export function logScale(values: readonly number[]): { scale: object; ticks: number[] } {
  const pos = values.filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...pos))));
  const decades = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  const ticks = hi - lo >= 3 ? decades : decades.flatMap((d) => [d, 2 * d, 5 * d]).filter((t) => t <= 10 ** hi);
  return { scale: { type: 'log', nice: true }, ticks };
}

/** The binary unit that suits byte values up to `max`: [bytes per unit, name]. */
export function byteUnit(max: number): [number, string] {
  if (max >= 1024 ** 3) return [1024 ** 3, 'GiB'];
  if (max >= 1024 ** 2) return [1024 ** 2, 'MiB'];
  if (max >= 1024) return [1024, 'KiB'];
  return [1, 'B'];
}

/** Row-facet headers naming the sweep point above each panel, left-aligned. */
export const POINT_ROW_HEADER = { labelOrient: 'top', labelAngle: 0, labelAnchor: 'start', labelAlign: 'left', labelFontWeight: 600, labelPadding: 6 } as const;

/** Row facets draw their x axis under every panel, so a tall stack reads without scrolling to the bottom. */
export const EVERY_PANEL_X_AXIS = { axis: { x: 'independent' } } as const;

/** A log scale for `values` when they span a decade or more, else undefined (a linear axis reads better). */
export function logScaleIfWide(values: readonly number[]): ReturnType<typeof logScale> | undefined {
  return spansDecades(values, 10) ? logScale(values) : undefined;
}

/** A top-level spec of `values`: one row panel per sweep point when there are several (the x axis under each). */
export function perPointRows(points: readonly string[], description: string, values: object[], unit: object): TopLevelSpec {
  const facet = { facet: { row: { field: 'point', type: 'nominal', title: null, sort: points, header: POINT_ROW_HEADER } }, spec: unit, resolve: EVERY_PANEL_X_AXIS };
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', description, data: { values }, ...(points.length > 1 ? facet : unit) } as TopLevelSpec;
}
