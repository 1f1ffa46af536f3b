import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatValue } from './matrix.js';
import { renderSensitivity } from './render-sensitivity.js';
import type { ExperimentResults, RunRow } from './results.js';
import { formatSizeApprox } from './size.js';

const us = (ns: number | undefined) => (ns === undefined ? '—' : (ns / 1000).toFixed(ns < 100_000 ? 1 : 0));
const n = (x: number | undefined) => (x === undefined ? '—' : String(x));
const sumViol = (r: RunRow) => Object.values(r.violations).reduce((a, b) => a + b, 0);

/** Errors as `384 EIO`, with `!` when the experiment does not expect them. */
const errorCell = (r: RunRow) => {
  if (r.status !== 'ok') return r.status;
  const parts = Object.entries(r.errors).map(([k, v]) => `${v} ${k}`);
  return parts.length ? `${parts.join(', ')}${r.errorsUnexpected ? ' !' : ''}` : '0';
};

/** Columns of the summary table after the strategy and the point's coordinates: title, cell. */
const COLUMNS: readonly [string, (r: RunRow) => string][] = [
  ['overhead µs', (r) => us(r.overheadP50Ns)],
  ['p50 µs', (r) => us(r.latencyNs?.p50)],
  ['p99 µs', (r) => us(r.latencyNs?.p99)],
  ['req/s', (r) => (r.throughputPerSec === undefined ? '—' : Math.round(r.throughputPerSec).toString())],
  ['1G splits', (r) => n(r.counters?.directMapLevel3Splits)],
  ['2M splits', (r) => n(r.counters?.directMapLevel2Splits)],
  ['→shared', (r) => n(r.counters?.pagesConvertedToShared)],
  ['→private', (r) => n(r.counters?.pagesConvertedToPrivate)],
  ['MapGPA', (r) => n(r.counters?.mapGpaCalls)],
  ['full TLB', (r) => n(r.counters?.tlbFlushFull)],
  ['IPIs', (r) => n(r.counters?.ipis)],
  ['bounced', (r) => (r.counters ? formatSizeApprox(r.counters.bytesBounced) : '—')],
  ['shared peak', (r) => (r.sharedBytes ? formatSizeApprox(r.sharedBytes.peak) : '—')],
  ['zeropad', (r) => n(r.counters?.hazardUnalignedZeropad)],
  ['1st-touch', (r) => n(r.counters?.acceptMemoryBlocks)],
  ['kexec-unsafe', (r) => n(r.counters?.kexecUnsafeSharedPagesPeak)],
  ['frag. µs', (r) => us(r.fragmentation?.costNs)],
  ['leaked', (r) => n(r.counters?.leakedPages)],
  ['served', (r) => (r.status === 'ok' ? `${r.completed}/${r.requests}` : '—')],
  ['errors', errorCell],
  ['violations', (r) => String(sumViol(r))],
];

/** Every column of a results file: strategy, one per sweep axis (and seed when there are several), then COLUMNS. */
function columnsOf(res: ExperimentResults): [string, (r: RunRow) => string, 'left' | 'right'][] {
  const short = res.points[0]?.label ? res.points[0].label.split(', ').map((c) => c.slice(0, c.indexOf('='))) : [];
  return [
    ['strategy', (r) => r.strategy.label, 'left'],
    ...res.matrix.map((a, i): [string, (r: RunRow) => string, 'right'] => [short[i] ?? a.key, (r) => formatValue(a.key, r.coordinates[a.key]), 'right']),
    ...(res.seeds.length > 1 ? [['seed', (r: RunRow) => String(r.seed), 'right'] as [string, (r: RunRow) => string, 'right']] : []),
    ...COLUMNS.map(([h, f]): [string, (r: RunRow) => string, 'right'] => [h, f, 'right']),
  ];
}

/** The readable terminal table. */
export function renderTable(res: ExperimentResults): string {
  const cols = columnsOf(res);
  const rows = res.rows.map((r) => cols.map(([, f]) => f(r)));
  const heads = cols.map(([h]) => h);
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (cols[i]![2] === 'left' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(heads), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
  const notes = res.rows.filter((r) => r.status !== 'ok').map((r) => `  ${r.label}: ${r.reason}`);
  const horizon = res.rows.find((r) => r.fragmentation)?.fragmentation?.horizonS;
  if (horizon !== undefined) out.push('', `frag. µs: the direct-map fragmentation left behind, as the guest workload's lost CPU time over ${horizon} s (not in the overhead).`);
  if (notes.length) out.push('', 'not run:', ...notes);
  const loud = res.rows.filter((r) => r.status === 'ok' && r.errorsUnexpected).map((r) => `  ${r.label}: ${Object.entries(r.errors).map(([k, v]) => `${v} ${k}`).join(', ')} of ${r.requests} requests`);
  if (loud.length) out.push('', 'errors the experiment does not expect (!):', ...loud);
  return `${out.join('\n')}\n`;
}

/** results.csv: one line per run, counters flattened. */
export function toCsv(res: ExperimentResults): string {
  const counterKeys = Object.keys(res.rows.find((r) => r.counters)?.counters ?? {});
  const axes = res.matrix.map((a) => a.key);
  const head = ['id', 'strategy', 'package', 'version', ...axes, 'seed', 'status', 'requests', 'completed', 'errors', 'errors_unexpected', 'overhead_p50_ns', 'p50_ns', 'p95_ns', 'p99_ns', 'max_ns', 'throughput_per_s', 'modeled_ns', 'violations', 'DirectMap4k_kB', 'DirectMap2M_kB', 'DirectMap1G_kB', 'shared_peak_bytes', 'shared_mean_bytes', 'fragmentation_cost_ns', 'fragmentation_horizon_s', ...counterKeys];
  const esc = (v: unknown) => {
    const s = v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = res.rows.map((r) =>
    [r.id, r.strategy.label, r.strategy.meta?.name, r.strategy.meta?.version, ...axes.map((k) => (typeof r.coordinates[k] === 'object' ? JSON.stringify(r.coordinates[k]) : r.coordinates[k])), r.seed, r.status, r.requests, r.completed, JSON.stringify(r.errors), r.errorsUnexpected, r.overheadP50Ns, r.latencyNs?.p50, r.latencyNs?.p95, r.latencyNs?.p99, r.latencyNs?.max, r.throughputPerSec?.toFixed(3), r.modeledNs, sumViol(r), r.directMap?.DirectMap4k, r.directMap?.DirectMap2M, r.directMap?.DirectMap1G, r.sharedBytes?.peak, r.sharedBytes?.mean.toFixed(0), r.fragmentation?.costNs.toFixed(0), r.fragmentation?.horizonS, ...counterKeys.map((k) => r.counters?.[k as keyof typeof r.counters])]
      .map(esc)
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

const html = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A horizontal bar chart as inline SVG (no scripts, no network: readable offline). */
function barChart(title: string, items: { label: string; value: number; text: string }[]): string {
  const max = Math.max(1, ...items.map((i) => i.value));
  const rowH = 22;
  const labelW = 400;
  const barW = 420;
  const bars = items
    .map((it, k) => {
      const w = Math.max(1, Math.round((it.value / max) * barW));
      const y = 28 + k * rowH;
      return `<text x="0" y="${y + 14}" font-size="12">${html(it.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w}" height="14" fill="#4c78a8"/><text x="${labelW + w + 6}" y="${y + 14}" font-size="12">${html(it.text)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 140}" height="${36 + items.length * rowH}" role="img" aria-label="${html(title)}"><text x="0" y="16" font-size="14" font-weight="bold">${html(title)}</text>${bars}</svg>`;
}

/** report.html: the table, charts per sweep point, and the parameters every number came from (nothing wall-clock: shards merged render the same). */
export function renderHtml(res: ExperimentResults): string {
  const ok = res.rows.filter((r) => r.status === 'ok');
  const charts = res.points
    .map((p) => {
      const rs = ok.filter((r) => r.pointId === p.id);
      const at = p.label ? `, ${p.label}` : '';
      const item = (r: RunRow, v: number, t: string) => ({ label: r.label, value: v, text: t });
      return [
        barChart(`guest overhead per request (p50 latency − host service time)${at}, modeled µs`, rs.map((r) => item(r, r.overheadP50Ns ?? 0, `${us(r.overheadP50Ns)} µs`))),
        barChart(`direct-map splits (1G + 2M)${at}`, rs.map((r) => { const s = (r.counters?.directMapLevel3Splits ?? 0) + (r.counters?.directMapLevel2Splits ?? 0); return item(r, s, String(s)); })),
        barChart(`pages converted (both ways)${at}`, rs.map((r) => { const s = (r.counters?.pagesConvertedToShared ?? 0) + (r.counters?.pagesConvertedToPrivate ?? 0); return item(r, s, String(s)); })),
      ].join('\n');
    })
    .join('\n');
  const cols = columnsOf(res);
  const table = `<table><thead><tr>${cols.map(([h]) => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>${res.rows.map((r) => `<tr${r.errorsUnexpected ? ' class="unexpected"' : ''}>${cols.map(([, f]) => `<td>${html(f(r))}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const notes = res.rows.filter((r) => r.status !== 'ok').map((r) => `<li>${html(r.label)}: ${html(r.reason ?? '')}</li>`).join('');
  const loud = res.rows.filter((r) => r.errorsUnexpected).map((r) => `<li>${html(r.label)}: ${html(Object.entries(r.errors).map(([k, v]) => `${v} ${k}`).join(', '))} of ${r.requests} requests</li>`).join('');
  const first = res.rows[0];
  const params = first ? `<pre>${html(JSON.stringify({ platform: first.platform, cost: first.cost, workload: first.workload, matrix: res.matrix }, null, 2))}</pre>` : '';
  const metas = [...new Map(res.rows.filter((r) => r.strategy.meta).map((r) => [r.strategy.meta!.name, r.strategy.meta!.version])).entries()].map(([k, v]) => `<li>${html(k)}@${html(v)}</li>`).join('');
  const sens = res.sensitivity ? `<h2>Sensitivity to the cost model</h2><pre>${html(renderSensitivity(res))}</pre>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${html(res.name)} — tdx-shbuf</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}tr.unexpected td{background:#fde2e1}svg{display:block;margin:1em 0}</style></head><body>
<h1>${html(res.name)}</h1><p>${html(res.description)}</p><p>Every number is modeled by tdx-shbuf; counters run from right before <code>init()</code> to after <code>shutdown()</code> (boot excluded).</p>
<h2>Summary</h2>${table}${loud ? `<h2>Errors the experiment does not expect</h2><ul>${loud}</ul>` : ''}${notes ? `<h2>Not run</h2><ul>${notes}</ul>` : ''}
${sens}
<h2>Charts</h2>${charts}
<h2>Strategies</h2><ul>${metas}</ul>
<h2>Parameters</h2>${params}
</body></html>
`;
}

/** Write a file whole or not at all: temp file + rename. */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Write results.json, results.csv and report.html into `dir`; returns the paths. */
export function writeReport(dir: string, res: ExperimentResults): string[] {
  mkdirSync(dir, { recursive: true });
  const { trace, ...rest } = res;
  const files: [string, string][] = [
    ['results.json', `${JSON.stringify(rest, null, 2)}\n`],
    ['results.csv', toCsv(res)],
    ['report.html', renderHtml(res)],
    ...(trace ? [['trace.json', JSON.stringify(trace)] as [string, string]] : []),
  ];
  return files.map(([name, body]) => {
    const p = path.join(dir, name);
    writeAtomic(p, body);
    return p;
  });
}
