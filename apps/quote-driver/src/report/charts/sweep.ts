/**
 * One chart per swept axis: the p50 guest overhead per strategy against that axis, one panel per
 * combination of the other swept axes (so each line changes one thing). A numeric axis (size,
 * clients) is drawn as lines; a categorical one (poll/interrupt, serialized/parallel) as a
 * dumbbell per strategy. Axes where requests compete also get p99 latency and throughput.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatAxisValue, shortLabel } from '../format.js';
import { type Axis, okRows, pointName, type ReportModel } from '../model.js';
import { BYTES_LABEL_EXPR, type Figure, logScaleIfWide, omittedFigure, spansDecades, strategyAxis, strategyEncoding, US_LABEL_EXPR } from './common.js';

type Metric = { field: 'overheadUs' | 'p99Us' | 'throughput'; title: string; noun: string };
const OVERHEAD: Metric = { field: 'overheadUs', title: 'guest overhead p50', noun: 'p50 guest overhead per request (latency − host service time)' };
const P99: Metric = { field: 'p99Us', title: 'latency p99', noun: '99th-percentile request latency (queueing included)' };
const THROUGHPUT: Metric = { field: 'throughput', title: 'throughput (requests/s)', noun: 'completed requests per second of modeled time' };

function sweepData(m: ReportModel, axis: Axis) {
  const others = m.axes.filter((a) => a !== axis);
  return okRows(m).map((r) => ({
    strategy: shortLabel(r.strategy),
    x: r.coordinates[axis.key],
    xText: formatAxisValue(axis.key, r.coordinates[axis.key]),
    panel: pointName(others, r.coordinates),
    overheadUs: r.row.overheadP50Ns !== undefined ? r.row.overheadP50Ns / 1000 : undefined,
    p99Us: r.row.latencyNs ? r.row.latencyNs.p99 / 1000 : undefined,
    throughput: r.row.throughputPerSec,
  }));
}

function axisSpec(axis: Axis) {
  const values = axis.values as number[];
  const log = spansDecades(values, 10);
  const bytes = /bytes$/i.test(axis.key);
  return {
    field: 'x',
    type: 'quantitative' as const,
    title: `${axis.title}${log ? ' (log scale)' : ''}`,
    scale: log ? { type: 'log', domain: [Math.min(...values), Math.max(...values)], nice: false } : { zero: false, nice: false },
    axis: { values, ...(bytes ? { labelExpr: BYTES_LABEL_EXPR } : { format: '~g' }), grid: true },
  };
}

function metricSpec(metric: Metric, ys: number[]) {
  const log = logScaleIfWide(ys);
  return {
    field: metric.field,
    type: 'quantitative' as const,
    title: `${metric.title}${log ? ' (log scale)' : ''}`,
    scale: log ? log.scale : { zero: metric === THROUGHPUT },
    axis: { ...(metric === THROUGHPUT ? { format: '~s' } : { labelExpr: US_LABEL_EXPR }), ...(log ? { values: log.ticks } : {}) },
  };
}

/** The chart of `metric` against `axis`. */
function sweepFigure(m: ReportModel, axis: Axis, metric: Metric): Figure {
  const values = sweepData(m, axis).filter((d) => d[metric.field] !== undefined && (metric === THROUGHPUT || d[metric.field]! > 0));
  const id = `sweep-${axis.key.replace(/[^\w]+/g, '-')}-${metric.field}`;
  const title = `${{ overheadUs: 'Guest overhead', p99Us: 'Latency p99', throughput: 'Throughput' }[metric.field]} vs ${axis.title}`;
  if (!values.length) return omittedFigure(id, title, `No completed run has a ${metric.title} to draw.`);
  const panels = [...new Set(values.map((v) => v.panel))];
  const ys = values.map((v) => v[metric.field]!);
  const logY = spansDecades(ys, 10);
  let unit: object;
  if (axis.numeric) {
    unit = {
      width: panels.length > 1 ? 340 : 560,
      height: 240,
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: axisSpec(axis),
        y: metricSpec(metric, ys),
        ...strategyEncoding(m, ['color', 'strokeDash']),
        tooltip: [{ field: 'strategy' }, { field: 'xText', title: axis.title }, { field: metric.field, format: '.4~g' }],
      },
    };
  } else {
    const y = { ...strategyAxis(m), axis: { labelLimit: 300, grid: true } };
    unit = {
      width: panels.length > 1 ? 320 : 520,
      height: { step: 18 },
      layer: [
        { mark: { type: 'line', color: '#bbb', strokeWidth: 1.5 }, encoding: { y, x: metricSpec(metric, ys), detail: { field: 'strategy' } } },
        {
          mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
          encoding: {
            y,
            x: metricSpec(metric, ys),
            ...strategyEncoding(m, ['color']),
            shape: {
              field: 'xText',
              type: 'nominal',
              title: axis.title,
              sort: axis.values.map((v) => formatAxisValue(axis.key, v)),
              scale: { range: ['circle', 'square', 'triangle-up', 'diamond', 'cross'] },
            },
          },
        },
      ],
    };
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `${title}: ${metric.noun} per strategy against ${axis.title}${panels.length > 1 ? ', one panel per combination of the other swept keys' : ''}`,
    data: { values },
    ...(panels.length > 1
      ? { facet: { field: 'panel', type: 'nominal', title: null, sort: panels }, columns: 2, spec: unit, resolve: { scale: axis.numeric ? { y: 'independent' } : { x: 'independent' } } }
      : unit),
  } as TopLevelSpec;
  return {
    id,
    title,
    caption: `${metric.noun[0]!.toUpperCase()}${metric.noun.slice(1)}, against ${axis.title} (\`${axis.key}\`)${panels.length > 1 ? '; each panel holds the other swept keys fixed at the values in its title' : ''}.${logY ? ' Log scale: the values span decades.' : ''}`,
    spec,
  };
}

/** Axes where requests compete (clients, serialized or parallel driver): queueing shows in the tail and in throughput, not in the p50 overhead. */
const CONTENDED = /(clients|driver\.requests|arrival\.ratePerSec)$/;

/** The sweep charts: overhead against every swept axis; p99 latency and throughput against the axes where requests compete. */
export function sweepFigures(m: ReportModel): Figure[] {
  return m.axes.flatMap((axis) => [sweepFigure(m, axis, OVERHEAD), ...(CONTENDED.test(axis.key) ? [sweepFigure(m, axis, P99), sweepFigure(m, axis, THROUGHPUT)] : [])]);
}
