import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ExperimentResults, RunRow } from './results.js';
import { writeAtomic } from '../atomic-write.js';
import { renderHtml } from '../report/html.js';

const sumViol = (r: RunRow) => Object.values(r.violations).reduce((a, b) => a + b, 0);

export { renderTable } from '../report/terminal.js';
export { renderHtml } from '../report/html.js';

/** results.csv: one line per run, counters flattened. */
export function toCsv(res: ExperimentResults): string {
  const counterKeys = Object.keys(res.rows.find((r) => r.counters)?.counters ?? {});
  const axes = res.matrix.map((a) => a.key);
  const head = [
    'id',
    'strategy',
    'package',
    'version',
    ...axes,
    'seed',
    'status',
    'requests',
    'completed',
    'errors',
    'errors_unexpected',
    'overhead_p50_ns',
    'p50_ns',
    'p95_ns',
    'p99_ns',
    'max_ns',
    'throughput_per_s',
    'modeled_ns',
    'violations',
    'DirectMap4k_kB',
    'DirectMap2M_kB',
    'DirectMap1G_kB',
    'shared_peak_bytes',
    'shared_mean_bytes',
    'fragmentation_cost_ns',
    'fragmentation_horizon_s',
    ...counterKeys,
  ];
  const esc = (v: unknown) => {
    const s = v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = res.rows.map((r) =>
    [
      r.id,
      r.strategy.label,
      r.strategy.meta?.name,
      r.strategy.meta?.version,
      ...axes.map((k) => (typeof r.coordinates[k] === 'object' ? JSON.stringify(r.coordinates[k]) : r.coordinates[k])),
      r.seed,
      r.status,
      r.requests,
      r.completed,
      JSON.stringify(r.errors),
      r.errorsUnexpected,
      r.overheadP50Ns,
      r.latencyNs?.p50,
      r.latencyNs?.p95,
      r.latencyNs?.p99,
      r.latencyNs?.max,
      r.throughputPerSec?.toFixed(3),
      r.modeledNs,
      sumViol(r),
      r.directMap?.DirectMap4k,
      r.directMap?.DirectMap2M,
      r.directMap?.DirectMap1G,
      r.sharedBytes?.peak,
      r.sharedBytes?.mean.toFixed(0),
      r.fragmentation?.costNs.toFixed(0),
      r.fragmentation?.horizonS,
      ...counterKeys.map((k) => r.counters?.[k as keyof typeof r.counters]),
    ]
      .map(esc)
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

/** Write results.json, results.csv and report.html into `dir`; resolves to the paths. */
export async function writeReport(dir: string, res: ExperimentResults): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const { trace, ...rest } = res;
  const files: [string, string][] = [
    ['results.json', `${JSON.stringify(rest, null, 2)}\n`],
    ['results.csv', toCsv(res)],
    ['report.html', await renderHtml(res)],
    ...(trace ? [['trace.json', JSON.stringify(trace)] as [string, string]] : []),
  ];
  return files.map(([name, body]) => {
    const p = path.join(dir, name);
    writeAtomic(p, body);
    return p;
  });
}
