/**
 * Where the guest's time goes: the time-by-phase counters (`ns…`) of each run divided by its
 * completed requests, stacked per strategy, next to the same bars normalised to 100 % so a
 * strategy that costs 7 µs shows its make-up as clearly as one that costs 850 µs.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatDuration, formatUs, shortLabel } from '../format.js';
import { okRows, type ReportModel } from '../model.js';
import { atPoint, byPoint, type Figure, logScaleIfWide, mean, omittedFigure, perPointRows, strategyAxis, strategyEncoding, US_LABEL_EXPR } from './common.js';

/** Names of the model's phases (docs/model.md §8 "time by phase"); unknown ones are spelt out from the counter name. */
const PHASE_LABELS: Record<string, string> = {
  nsMapGpa: 'MapGPA',
  nsAccept: 'accept',
  nsTlbIpi: 'TLB flush + IPIs',
  nsCacheFlush: 'cache flush',
  nsSplit: 'page-table splits',
  nsCopy: 'bounce copies + zeroing',
  nsHost: 'host (SEPT, zap, AUG)',
  nsTdcall: 'other TDCALLs',
  nsTdvmcall: 'other TDVMCALLs',
  nsOther: 'other',
};
const PHASE_COLORS = ['#4e79a7', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#f28e2b', '#9c755f', '#b07aa1', '#ff9da7', '#bab0ac', '#86bcb6', '#d4a6c8'];

/** The label of a phase counter: `nsMapGpa` → `MapGPA`, `nsFooBar` → `foo bar`. */
export function phaseLabel(counter: string): string {
  return (
    PHASE_LABELS[counter] ??
    counter
      .slice(2)
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
  );
}

/** Per (point, strategy): mean over seeds of each phase's time per completed request, µs. */
function phaseData(m: ReportModel) {
  const out: { point: string; strategy: string; phase: string; order: number; us: number }[] = [];
  const totals: { point: string; strategy: string; us: number; text: string }[] = [];
  for (const [point, rows] of byPoint(okRows(m), m.points)) {
    for (const label of m.strategies) {
      const rs = rows.filter((r) => r.strategy === label && r.row.counters && r.row.completed > 0);
      if (!rs.length) continue;
      let total = 0;
      m.phases.forEach((p, order) => {
        const us = mean(rs.map((r) => (r.row.counters![p] ?? 0) / r.row.completed / 1000))!;
        total += us;
        if (us > 0) out.push({ point, strategy: shortLabel(label), phase: phaseLabel(p), order, us });
      });
      totals.push({ point, strategy: shortLabel(label), us: total, text: formatUs(total * 1000) });
    }
  }
  return { out, totals };
}

/** The phase breakdown, or (for results without phase counters) the p50 overhead per strategy. */
export function phasesFigure(m: ReportModel): Figure {
  const id = 'phases';
  const title = 'Guest time per request, by phase';
  if (!m.phases.length) return overheadFallback(m);
  const { out, totals } = phaseData(m);
  if (!out.length) return omittedFigure(id, title, 'No completed run charged any phase time.');
  const color = { field: 'phase', type: 'nominal', title: 'phase', sort: m.phases.map(phaseLabel), scale: { domain: m.phases.map(phaseLabel), range: PHASE_COLORS } };
  const y = strategyAxis(m);
  const rowsOf = (point: string) => ({
    hconcat: [
      {
        width: 440,
        height: { step: 20 },
        title: { text: `µs per request${atPoint(point)}`, fontSize: 12, fontWeight: 500 },
        layer: [
          {
            data: { values: out.filter((d) => d.point === point) },
            mark: { type: 'bar' },
            encoding: {
              y,
              x: { field: 'us', type: 'quantitative', stack: 'zero', title: 'guest time per request (µs)' },
              color,
              order: { field: 'order' },
              tooltip: [{ field: 'phase' }, { field: 'us', format: '.1f', title: 'µs' }],
            },
          },
          {
            data: { values: totals.filter((d) => d.point === point) },
            mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#333' },
            encoding: { y, x: { field: 'us', type: 'quantitative' }, text: { field: 'text' } },
          },
        ],
      },
      {
        width: 240,
        height: { step: 20 },
        title: { text: 'share of the guest time', fontSize: 12, fontWeight: 500 },
        data: { values: out.filter((d) => d.point === point) },
        mark: { type: 'bar' },
        encoding: { y: { ...y, axis: null }, x: { field: 'us', type: 'quantitative', stack: 'normalize', title: 'share', axis: { format: '%' } }, color, order: { field: 'order' } },
      },
    ],
  });
  const points = [...new Set(out.map((d) => d.point))];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `${title}: stacked bars per strategy and phase, in microseconds, and normalised to 100 %`,
    vconcat: points.map(rowsOf),
    resolve: { scale: { color: 'shared', x: 'independent' } },
  } as TopLevelSpec;
  return {
    id,
    title,
    caption:
      'Virtual time the model charged the guest in each phase, over the whole run (init and shutdown included) divided by the completed requests; mean over seeds. Waits (the host generating a quote, polls, interrupt delivery) are in no phase. The number at a bar’s end is its total; the right panel shows each phase’s share, so small totals read as clearly as large ones.',
    spec,
  };
}

/** Results without phase counters (written before they existed): the p50 overhead per strategy on a log axis. */
function overheadFallback(m: ReportModel): Figure {
  const id = 'phases';
  const title = 'Guest overhead per request (p50 latency − host service time)';
  const values = okRows(m)
    .filter((r) => r.row.overheadP50Ns !== undefined && r.row.overheadP50Ns > 0)
    .map((r) => ({ point: r.point, strategy: shortLabel(r.strategy), us: r.row.overheadP50Ns! / 1000, text: formatDuration(r.row.overheadP50Ns!) }));
  if (!values.length) return omittedFigure(id, title, 'No completed run has a positive overhead to draw.');
  const log = logScaleIfWide(values.map((v) => v.us));
  const x = {
    field: 'us',
    type: 'quantitative',
    title: `overhead per request${log ? ' (log scale)' : ''}`,
    scale: log ? log.scale : { zero: true },
    axis: { labelExpr: US_LABEL_EXPR, ...(log ? { values: log.ticks } : {}) },
  };
  const gridded = { ...strategyAxis(m), axis: { labelLimit: 300, grid: true } };
  const unit = {
    width: 520,
    height: { step: 20 },
    layer: [
      { mark: { type: 'point', size: 70, filled: true }, encoding: { y: gridded, x, ...strategyEncoding(m, ['color', 'shape']) } },
      { mark: { type: 'text', align: 'left', dx: 8, fontSize: 11 }, encoding: { y: gridded, x, text: { field: 'text' } } },
    ],
  };
  const points = [...new Set(values.map((v) => v.point))];
  const spec = perPointRows(points, `${title}, per strategy${points.length > 1 ? ' and sweep point' : ''}, microseconds`, values, unit);
  return {
    id,
    title,
    caption: `p50 latency minus the host service time, per strategy${log ? '; log scale, since the values span decades' : ''}. This results file has no time-by-phase counters, so the breakdown by phase (MapGPA, accept, TLB flush + IPIs, …) is not drawn.`,
    spec,
  };
}
