/**
 * The report's view of a results file: which experiment keys were swept (axes), the sweep point
 * of every row, the strategies in the order the experiment lists them, and the time phases the
 * counters carry. v1 files (no `coordinates`) get their point from `bytes` and `clients`.
 */
import type { ReportResults, ReportRow } from './results-shape.js';
import { formatAxisValue } from './format.js';

/** One swept key of the experiment: more than one value among the rows. */
export interface Axis {
  key: string;
  /** Short name for titles: "buffer size", "completion", … */
  title: string;
  /** Distinct values in the order the matrix (or the rows) gives them. */
  values: unknown[];
  /** Every value a finite number: drawn as a line; otherwise as categories. */
  numeric: boolean;
}

export interface ReportModel {
  res: ReportResults;
  axes: Axis[];
  /** Strategy labels, first appearance first. */
  strategies: string[];
  /** Time-by-phase counters present in any row (`ns` + capital), in the model's phase order. */
  phases: string[];
  /** Every row with its coordinates (v1: derived) and its point name. */
  rows: PointRow[];
  /** Point names, in row order. */
  points: string[];
}

export interface PointRow {
  row: ReportRow;
  /** The strategy's label (v2 `strategy.label`; v1 `label`): what colours and groups a row. */
  strategy: string;
  /** Index in results.json `rows`. */
  index: number;
  coordinates: Record<string, unknown>;
  /** The values of the swept axes, e.g. "8 KiB · poll"; "" when nothing was swept. */
  point: string;
}

const AXIS_TITLES: Record<string, string> = {
  'workload.bytes': 'buffer size',
  'workload.clients': 'clients',
  'workload.requests': 'requests per client',
  'workload.hostServiceNs': 'host service time',
  'workload.driver.completion': 'completion',
  'workload.driver.requests': 'driver requests',
  'workload.driver.checks': 'driver checks',
  'workload.driver.pollIntervalMs': 'poll interval',
};

/** The title of an experiment key: a known name, or its last segment. */
export function axisTitle(key: string): string {
  return AXIS_TITLES[key] ?? key.split('.').pop()!;
}

/** Phase counters in the order the cost model charges them; unknown ones follow alphabetically. */
const PHASE_ORDER = ['nsMapGpa', 'nsAccept', 'nsTlbIpi', 'nsCacheFlush', 'nsSplit', 'nsCopy', 'nsHost', 'nsTdcall', 'nsTdvmcall', 'nsOther'];

export const isPhaseCounter = (k: string) => /^ns[A-Z0-9]/.test(k);

function coordinatesOf(r: ReportRow): Record<string, unknown> {
  if (r.coordinates) return r.coordinates;
  const c: Record<string, unknown> = {};
  if (r.bytes !== undefined) c['workload.bytes'] = r.bytes;
  if (r.clients !== undefined) c['workload.clients'] = r.clients;
  return c;
}

/** The strategy a row ran: v2 rows name it in `strategy`, v1 rows in `label`. */
export const strategyLabel = (r: ReportRow) => r.strategy?.label ?? r.label;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Build the report's view of `res`. */
export function buildModel(res: ReportResults): ReportModel {
  const coords = res.rows.map(coordinatesOf);
  const keys = [...(res.matrix?.map((m) => m.key) ?? []), ...coords.flatMap((c) => Object.keys(c))].filter((k, i, all) => all.indexOf(k) === i);
  const axes: Axis[] = [];
  for (const key of keys) {
    const declared = res.matrix?.find((m) => m.key === key)?.values ?? [];
    const values: unknown[] = [];
    for (const v of [...declared, ...coords.map((c) => c[key])]) if (v !== undefined && !values.some((w) => same(v, w))) values.push(v);
    if (values.length < 2) continue;
    const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
    axes.push({ key, title: axisTitle(key), values, numeric });
  }
  const rows = res.rows.map((row, index) => {
    const coordinates = coords[index]!;
    return { row, index, strategy: strategyLabel(row), coordinates, point: pointName(axes, coordinates) };
  });
  const strategies = [...new Set([...(res.strategies?.map((s) => s.label) ?? []), ...res.rows.map(strategyLabel)])];
  const found = new Set(res.rows.flatMap((r) => Object.keys(r.counters ?? {}).filter(isPhaseCounter)));
  const phases = [...PHASE_ORDER.filter((p) => found.has(p)), ...[...found].filter((p) => !PHASE_ORDER.includes(p)).sort()];
  // Points in axis-value order (the matrix order), not in row order.
  const rank = (p: PointRow) => axes.map((a) => a.values.findIndex((v) => same(v, p.coordinates[a.key])));
  const ordered = [...rows].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
    return 0;
  });
  const points = [...new Set(ordered.map((r) => r.point))];
  return { res, axes, strategies, phases, rows, points };
}

/** Rows that ran to completion (status ok). */
export const okRows = (m: ReportModel) => m.rows.filter((r) => r.row.status === 'ok');

/** The point name of `coordinates` over `axes`. */
export function pointName(axes: readonly Axis[], coordinates: Record<string, unknown>): string {
  return axes.map((a) => formatAxisValue(a.key, coordinates[a.key])).join(' · ');
}
