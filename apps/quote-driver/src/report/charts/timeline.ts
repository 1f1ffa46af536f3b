/**
 * State over a run's modeled time, one figure per sweep point: the direct map's 4K/2M/1G split
 * (as /proc/meminfo DirectMap4k/2M/1G would read) and the shared memory held beyond the boot
 * pools. Results without series (v1) get the final direct map and the peak/mean shared bytes.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatSizeApprox } from '../../experiment/size.js';
import { shortLabel } from '../format.js';
import { okRows, type PointRow, type ReportModel } from '../model.js';
import { stepPoints } from '../series.js';
import { atPoint, byPoint, byteUnit, type Figure, omittedFigure, perPointRows, strategyAxis, strategyEncoding } from './common.js';

const MAX_STEPS = 300;
const LEVELS = [
  ['directMap4k', 'DirectMap4k', '4K'],
  ['directMap2M', 'DirectMap2M', '2M'],
  ['directMap1G', 'DirectMap1G', '1G'],
] as const;

const timeAxis = { field: 'ms', type: 'quantitative', title: 'modeled time since init (ms)', axis: { format: '~s' } } as const;

function linesOver(rows: PointRow[], pick: (r: PointRow) => number[] | undefined, scale: number) {
  return rows.flatMap((r) => {
    const v = pick(r);
    if (!r.row.series || !v) return [];
    return stepPoints(r.row.series.tNs, v, MAX_STEPS).map(([t, x]) => ({ strategy: shortLabel(r.strategy), run: r.index, ms: t / 1e6, value: x * scale }));
  });
}

/** DirectMap4k/2M/1G over time at each point, in MiB, one panel per page size. */
export function directMapFigures(m: ReportModel): Figure[] {
  const title = 'Direct map over time';
  const rows = okRows(m).filter((r) => r.row.series?.directMap4k);
  if (!rows.length) return [directMapFinal(m)];
  return byPoint(rows, m.points).map(([point, rs], i) => {
    const panels = LEVELS.map(([key, name]) => {
      // kB as /proc/meminfo counts them; each panel in the unit that suits its values.
      const kb = linesOver(rs, (r) => r.row.series![key], 1);
      // The unit follows the range, so ticks 2 MiB apart on 2 GiB still read apart.
      const range = Math.max(0, ...kb.map((v) => v.value)) - Math.min(...kb.map((v) => v.value));
      const [per, unit] = byteUnit((range || Math.max(0, ...kb.map((v) => v.value))) * 1024);
      return {
        title: { text: `${name} (${unit})`, fontSize: 12, fontWeight: 500 },
        width: 250,
        height: 200,
        data: { values: kb.map((v) => ({ ...v, value: (v.value * 1024) / per })) },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.8 },
        encoding: {
          x: timeAxis,
          y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false }, axis: { format: ',~f' } },
          detail: { field: 'run' },
          ...strategyEncoding(m, ['color', 'strokeDash']),
        },
      };
    });
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      description: `${title}${atPoint(point)}: DirectMap4k, DirectMap2M and DirectMap1G in MiB against modeled time, one line per strategy`,
      hconcat: panels,
      resolve: { scale: { y: 'independent' } },
    } as TopLevelSpec;
    return {
      id: `direct-map-${i}`,
      title: `${title}${atPoint(point)}`,
      caption:
        'How much of the direct map is mapped by 4 KiB, 2 MiB and 1 GiB pages (/proc/meminfo DirectMap4k/2M/1G), against modeled time. A step up in 4K (and down in 2M or 1G) is a split the kernel never merges back (split_large_page). Each panel has its own range.',
      spec,
    };
  });
}

function directMapFinal(m: ReportModel): Figure {
  const title = 'Direct map at the end of each run';
  const values = okRows(m).flatMap((r) => (r.row.directMap ? [{ point: r.point, strategy: shortLabel(r.strategy), mib: r.row.directMap.DirectMap4k / 1024 }] : []));
  if (!values.length) return omittedFigure('direct-map-0', title, 'This results file has neither direct-map series nor a final direct-map state.');
  const unit = {
    width: 480,
    height: { step: 18 },
    mark: { type: 'bar' },
    encoding: { y: strategyAxis(m), x: { field: 'mib', type: 'quantitative', title: 'DirectMap4k (MiB)' }, ...strategyEncoding(m, ['color']) },
  };
  const spec = perPointRows(m.points, `${title}: DirectMap4k in MiB per strategy`, values, unit);
  return {
    id: 'direct-map-0',
    title,
    caption:
      'DirectMap4k at the end of each run: memory the direct map maps with 4 KiB pages, which grows with every split. This results file has no series, so the direct map over time (4K/2M/1G) is not drawn.',
    spec,
  };
}

/** Shared memory held beyond the boot pools over time, per point. */
export function sharedFigures(m: ReportModel): Figure[] {
  const title = 'Shared memory held';
  const rows = okRows(m).filter((r) => r.row.series?.sharedBytes);
  if (!rows.length) return [sharedPeakMean(m)];
  return byPoint(rows, m.points).map(([point, rs], i) => {
    const bytes = linesOver(rs, (r) => r.row.series!.sharedBytes, 1);
    const [per, unit] = byteUnit(Math.max(0, ...bytes.map((v) => v.value)));
    const values = bytes.map((v) => ({ ...v, held: v.value / per }));
    const maxHeld = Math.max(0, ...values.map((v) => v.held));
    // One strip per strategy on a shared scale: per-request conversion toggles too often for overlaid lines.
    const strategies = m.strategies.map(shortLabel).filter((s) => values.some((v) => v.strategy === s));
    // Strip titles sit in the y axis title: an axis places them reliably, a facet header does not.
    const strip = (label: string, last: boolean) => ({
      width: 640,
      height: 30,
      transform: [{ filter: { field: 'strategy', equal: label } }],
      mark: { type: 'area', interpolate: 'step-after', opacity: 0.85 },
      encoding: {
        x: last ? timeAxis : { ...timeAxis, axis: null },
        y: {
          field: 'held',
          type: 'quantitative',
          stack: null,
          scale: { domain: [0, maxHeld || 1], nice: false },
          axis: {
            title: label,
            titleAngle: 0,
            titleAlign: 'right',
            titleBaseline: 'middle',
            titleY: 15,
            titleFontWeight: 400,
            titleFontSize: 11,
            titleLimit: 300,
            values: [0, maxHeld],
            labelExpr: `datum.value === 0 ? '0' : format(datum.value, '~g') + ' ${unit}'`,
          },
        },
        detail: { field: 'run' },
        ...strategyEncoding(m, ['color']),
      },
    });
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      description: `${title}${atPoint(point)}: bytes shared with the host beyond the boot pools against modeled time, one strip per strategy`,
      data: { values },
      vconcat: strategies.map((label, k) => strip(label, k === strategies.length - 1)),
      spacing: 6,
      resolve: { scale: { x: 'shared', y: 'shared' }, legend: { color: 'shared' } },
      config: { legend: { disable: true } },
    } as TopLevelSpec;
    const peak = Math.max(0, ...values.map((v) => v.value));
    return {
      id: `shared-${i}`,
      title: `${title}${atPoint(point)}`,
      caption: `Private memory converted to shared and not yet converted back, beyond what boot shares (the SWIOTLB pool, DMA atomic pools), against modeled time; one strip per strategy on one scale (highest: ${formatSizeApprox(peak)}). A strategy that bounces through the boot pools holds nothing here; one that converts per request shows a comb.`,
      spec,
    };
  });
}

function sharedPeakMean(m: ReportModel): Figure {
  const title = 'Shared memory held (peak and mean)';
  const values = okRows(m).flatMap((r) =>
    r.row.sharedBytes
      ? [
          { point: r.point, strategy: shortLabel(r.strategy), stat: 'peak', bytes: r.row.sharedBytes.peak },
          { point: r.point, strategy: shortLabel(r.strategy), stat: 'mean', bytes: r.row.sharedBytes.mean },
        ]
      : [],
  );
  if (!values.length) return omittedFigure('shared-0', title, 'This results file records no shared memory.');
  const [per, unitName] = byteUnit(Math.max(...values.map((v) => v.bytes)));
  for (const v of values) v.bytes /= per;
  const unit = {
    width: 480,
    height: { step: 18 },
    mark: { type: 'point', filled: true, size: 60 },
    encoding: {
      y: { ...strategyAxis(m), axis: { labelLimit: 300, grid: true } },
      x: { field: 'bytes', type: 'quantitative', title: `shared beyond boot pools (${unitName})`, axis: { format: '~g' } },
      shape: { field: 'stat', type: 'nominal', title: null, scale: { domain: ['peak', 'mean'], range: ['circle', 'triangle-up'] } },
      ...strategyEncoding(m, ['color']),
    },
  };
  const spec = perPointRows(m.points, `${title} per strategy, bytes`, values, unit);
  return {
    id: 'shared-0',
    title,
    caption: 'Peak and time-weighted mean of the memory shared beyond the boot pools. This results file has no series, so the shared memory over time is not drawn.',
    spec,
  };
}
