/**
 * The shared pool against every other strategy, from experiment results
 * (results.json, docs/results-format.md): per experiment a markdown table of
 * what the README's comparison quotes — guest overhead (p50 and mean),
 * direct-map splits, conversions, MapGPA, IPIs, shared memory held (peak and
 * time-weighted mean, beyond the boot pools), kexec-unsafe pages, first-touch
 * accepts, the run's work, leaks and errors — and the pool's break-even
 * against every other strategy at the same point.
 *
 *   pnpm compare && pnpm cli run experiments/ghci-service.yaml
 *   node --import tsx scripts/pool-comparison.ts runs/seed-thread runs/ghci-service \
 *     [--where workload.driver.completion=interrupt]… [--pool shared-pool]
 *
 * Break-even. A run of N requests charges work W (every task, kworkers
 * included: the sum of the `ns*` phase counters) = one-time work (init, growth,
 * shutdown) + N × per-request work, and a request's p50 overhead is its own
 * work plus waits every strategy shares (the notify interrupt's delivery), so
 * between two strategies at one point:
 *   one-time(pool) − one-time(rival) = (W_pool − W_rival) − N × (p50_pool − p50_rival)
 * and the pool has paid for itself after that ÷ (p50_rival − p50_pool)
 * requests. p50 must be a request's own time: read it from points where the
 * p50 request does not wait for a lock (completion by interrupt; polling adds
 * a second of sleep) and for a pool that keeps its blocks (one that shrinks
 * regrows every request: its mean is the per-request figure).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { axisCell, axisTitle, readResults, size, us, workNs, type ResultRow, type Results } from './results-rows.js';

const METRICS = [
  'overhead p50 µs',
  'overhead mean µs',
  '1G/2M splits',
  '→shared',
  '→private',
  'MapGPA',
  'IPIs',
  'shared peak',
  'shared mean',
  'kexec-unsafe pages',
  '1st-touch',
  'work µs',
  'leaked',
  'errors',
];

const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
const rule = (text: number, num: number) => line([...Array(text).fill('---'), ...Array(num).fill('---:')]);

/** The metric cells of one row; a row that did not run says why in its first cell. */
export function metricCells(r: ResultRow): string[] {
  const c = r.counters;
  if (r.status !== 'ok' || !c) return [r.status, ...METRICS.slice(1).map(() => '')];
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  return [
    r.overheadP50Ns === undefined ? '—' : us(r.overheadP50Ns),
    r.overheadMeanNs === undefined ? '—' : us(r.overheadMeanNs),
    `${c.directMapLevel3Splits}/${c.directMapLevel2Splits}`,
    String(c.pagesConvertedToShared),
    String(c.pagesConvertedToPrivate),
    String(c.mapGpaCalls),
    String(c.ipis),
    r.sharedBytes ? size(r.sharedBytes.peak) : '—',
    r.sharedBytes ? size(Math.round(r.sharedBytes.mean)) : '—',
    String(c.kexecUnsafeSharedPagesPeak ?? '—'),
    String(c.acceptMemoryBlocks ?? '—'),
    us(workNs(c)),
    String(c.leakedPages),
    String(errors),
  ];
}

export function renderComparison(res: Results): string {
  const head = ['strategy', ...res.axes.map(axisTitle), ...METRICS];
  const rows = res.rows.map((r) => line([r.strategy, ...res.axes.map((k) => axisCell(k, r.coordinates[k])), ...metricCells(r)]));
  return [line(head), rule(1 + res.axes.length, METRICS.length), ...rows].join('\n');
}

/** The pool against one rival at one point (docs above); undefined when either did not serve it. The pool's own variants are no rivals. */
export function breakEven(pool: ResultRow, rival: ResultRow): { oneTimeNs: number; savingNs: number; requests: number } | undefined {
  if (pool.status !== 'ok' || rival.status !== 'ok' || !pool.counters || !rival.counters) return undefined;
  if (pool.overheadP50Ns === undefined || rival.overheadP50Ns === undefined || pool.requests !== rival.requests) return undefined;
  const savingNs = rival.overheadP50Ns - pool.overheadP50Ns;
  const oneTimeNs = workNs(pool.counters) - workNs(rival.counters) + pool.requests * savingNs;
  const requests = oneTimeNs <= 0 ? (savingNs >= 0 ? 0 : Number.NaN) : savingNs > 0 ? Math.ceil(oneTimeNs / savingNs) : Number.POSITIVE_INFINITY;
  return { oneTimeNs, savingNs, requests };
}

export function renderBreakEven(res: Results, poolLabel: string): string {
  const head = ['point', 'rival', 'one-time work, pool − rival, µs', 'saving per request (p50), µs', 'break-even requests'];
  const out = [line(head), rule(2, 3)];
  for (const pool of res.rows.filter((r) => r.strategy === poolLabel)) {
    for (const rival of res.rows.filter((r) => r.pointId === pool.pointId && r.strategy !== poolLabel && !r.strategy.startsWith(`${poolLabel} `))) {
      const b = breakEven(pool, rival);
      if (!b) continue;
      const n = Number.isNaN(b.requests) ? 'never (cheaper once, dearer per request)' : b.requests === Number.POSITIVE_INFINITY ? 'never' : String(b.requests);
      const point = res.axes.map((k) => `${axisTitle(k)}=${axisCell(k, pool.coordinates[k])}`).join(', ');
      out.push(line([point || 'all', rival.strategy, us(b.oneTimeNs), us(b.savingNs), n]));
    }
  }
  return out.join('\n');
}

/** `key=value` filters: a row is kept when every filtered coordinate prints as the value. */
export function where(res: Results, filters: readonly [string, string][]): Results {
  const keep = (r: ResultRow) => filters.every(([k, v]) => axisCell(k, r.coordinates[k]) === v || String(r.coordinates[k]) === v);
  return { ...res, axes: res.axes.filter((k) => !filters.some(([f]) => f === k)), rows: res.rows.filter(keep) };
}

function main(args: string[]): void {
  const dirs: string[] = [];
  const filters: [string, string][] = [];
  let pool = 'shared-pool';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--where' || a === '--pool') {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      if (a === '--pool') pool = v;
      else if (!/^[\w.]+=.+$/.test(v)) throw new Error(`--where ${v}: expected key=value, e.g. workload.driver.completion=interrupt`);
      else filters.push([v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]);
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else dirs.push(a);
  }
  if (dirs.length === 0) throw new Error('usage: node --import tsx scripts/pool-comparison.ts <run dir with results.json>… [--where key=value]… [--pool label]');
  for (const dir of dirs) {
    const res = where(readResults(path.join(dir, 'results.json')), filters);
    if (!res.rows.some((r) => r.strategy === pool)) throw new Error(`${dir}: no row of strategy "${pool}"${filters.length ? ' after --where' : ''}`);
    console.log(`**${res.name}**${filters.length ? ` (${filters.map(([k, v]) => `${axisTitle(k)}=${v}`).join(', ')})` : ''}\n\n${renderComparison(res)}\n`);
    console.log(`**${res.name}: ${pool} against each strategy at the same point**\n\n${renderBreakEven(res, pool)}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}
