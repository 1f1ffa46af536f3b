/**
 * Request latency per strategy: the empirical CDF of every run on a log time axis, one panel per
 * sweep point; results without a CDF (v1) get their percentiles (p50, p95, p99, max) instead.
 */
import type { TopLevelSpec } from 'vega-lite';
import { shortLabel } from '../format.js';
import { okRows, type ReportModel } from '../model.js';
import { downsampleCdf } from '../series.js';
import { type Figure, logScale, logScaleIfWide, omittedFigure, spansDecades, strategyAxis, strategyEncoding, US_LABEL_EXPR } from './common.js';

const MAX_CDF_POINTS = 200;

/** The spec of `values`, faceted by point when there is more than one: two panels a row, each with its own time axis. */
function byPointPanels(m: ReportModel, points: string[], description: string, values: object[], unit: object): TopLevelSpec {
  const facet = { facet: { field: 'point', type: 'nominal', title: null, sort: m.points }, columns: 2, spec: unit, resolve: { scale: { x: 'independent' } } };
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', description, data: { values }, ...(points.length < 2 ? unit : facet) } as TopLevelSpec;
}

export function latencyFigure(m: ReportModel): Figure {
  const id = 'latency';
  const title = 'Request latency';
  const ok = okRows(m);
  const withCdf = ok.filter((r) => r.row.latencyNs?.cdf?.length);
  if (!withCdf.length) return percentileFallback(m);
  const values = withCdf.flatMap((r) =>
    // An empirical CDF rises from 0 at its first value: the file lists only where it arrives.
    [[r.row.latencyNs!.cdf![0]![0], 0] as [number, number], ...downsampleCdf(r.row.latencyNs!.cdf!, MAX_CDF_POINTS)].map(([ns, fraction]) => ({
      point: r.point,
      strategy: shortLabel(r.strategy),
      run: r.index,
      us: ns / 1000,
      fraction,
    })),
  );
  const points = [...new Set(withCdf.map((r) => r.point))];
  // Log time only where a panel spans decades: inside one decade a log axis has a single tick.
  const log = points.some((p) =>
    spansDecades(
      values.filter((v) => v.point === p).map((v) => v.us),
      10,
    ),
  )
    ? logScale(values.map((v) => v.us))
    : undefined;
  const unit = {
    width: points.length > 1 ? 430 : 720,
    height: 260,
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.8 },
    encoding: {
      x: {
        field: 'us',
        type: 'quantitative',
        title: `latency${log ? ' (log scale)' : ''}`,
        scale: log ? log.scale : { zero: false },
        axis: { labelExpr: US_LABEL_EXPR, ...(log ? { values: log.ticks } : { tickCount: 6 }) },
      },
      y: { field: 'fraction', type: 'quantitative', title: 'requests completed within', axis: { format: '%' }, scale: { domain: [0, 1] } },
      detail: { field: 'run', type: 'nominal' },
      ...strategyEncoding(m, ['color', 'strokeDash']),
    },
  };
  const spec = byPointPanels(
    m,
    points,
    `${title}: cumulative distribution per strategy, latency on a ${log ? 'log' : 'linear'} time axis${points.length > 1 ? ', one panel per sweep point' : ''}`,
    values,
    unit,
  );
  return {
    id,
    title,
    caption: `Fraction of requests completed within a latency (modeled time from the request to its answer, host service included): a curve further left is faster, a flatter one less predictable. ${log ? 'Log time axis' : 'Linear time axis (the latencies span less than a decade)'}; each panel has its own range.${withCdf.length < ok.length ? ` ${ok.length - withCdf.length} run(s) carry no CDF and are not drawn.` : ''}`,
    spec,
  };
}

/** v1 results: p50, p95, p99 and max per strategy as dots on a log axis. */
function percentileFallback(m: ReportModel): Figure {
  const id = 'latency';
  const title = 'Request latency percentiles';
  const stats = ['p50', 'p95', 'p99', 'max'] as const;
  const values = okRows(m).flatMap((r) => (r.row.latencyNs ? stats.map((stat) => ({ point: r.point, strategy: shortLabel(r.strategy), stat, us: r.row.latencyNs![stat] / 1000 })) : []));
  if (!values.length) return omittedFigure(id, title, 'No completed run has latencies.');
  const points = [...new Set(values.map((v) => v.point))];
  const log = logScaleIfWide(values.map((v) => v.us));
  const unit = {
    width: points.length > 1 ? 320 : 560,
    height: { step: 20 },
    mark: { type: 'point', filled: true, size: 60, opacity: 0.85 },
    encoding: {
      y: { ...strategyAxis(m), axis: { labelLimit: 300, grid: true } },
      x: {
        field: 'us',
        type: 'quantitative',
        title: `latency${log ? ' (log scale)' : ''}`,
        scale: log ? log.scale : { zero: false },
        axis: { labelExpr: US_LABEL_EXPR, ...(log ? { values: log.ticks } : {}) },
      },
      shape: { field: 'stat', type: 'nominal', title: 'percentile', sort: [...stats], scale: { domain: [...stats], range: ['circle', 'square', 'triangle-up', 'cross'] } },
      ...strategyEncoding(m, ['color']),
    },
  };
  const spec = byPointPanels(m, points, `${title} per strategy, on a ${log ? 'log' : 'linear'} time axis`, values, unit);
  return {
    id,
    title,
    caption: `p50, p95, p99 and the maximum of each run’s latency, ${log ? 'log' : 'linear'} time axis. This results file carries no latency CDF, so the full distribution is not drawn.`,
    spec,
  };
}
