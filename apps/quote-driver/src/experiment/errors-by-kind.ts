import type { ExperimentResults, RunRow } from './runner.js';
import { formatSize } from './size.js';

/** Errnos seen in any run, most frequent first (EDATA: a quote or buffer the other side did not see intact). */
export function errnosOf(rows: readonly RunRow[]): string[] {
  const total = new Map<string, number>();
  for (const r of rows) for (const [k, n] of Object.entries(r.errors)) total.set(k, (total.get(k) ?? 0) + n);
  return [...total.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
}

const where = (r: RunRow) => `${r.label} @ ${formatSize(r.bytes)}, seed ${r.seed}`;

/** The terminal block after the table: per run, requests served and failed requests by errno (runs without errors are left out). */
export function errorsByKindText(res: ExperimentResults): string[] {
  const rows = res.rows.filter((r) => r.status === 'ok' && Object.keys(r.errors).length > 0);
  if (!rows.length) return [];
  return [
    '',
    'served and errors by kind:',
    ...rows.map(
      (r) =>
        `  ${where(r)}: ${r.completed}/${r.requests} served; ${Object.entries(r.errors)
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .map(([k, n]) => `${k} × ${n}`)
          .join(', ')}`,
    ),
  ];
}

/** The same as an HTML table: one row per run, one column per errno. */
export function errorsByKindHtml(res: ExperimentResults, esc: (s: string) => string): string {
  const ok = res.rows.filter((r) => r.status === 'ok');
  const kinds = errnosOf(ok);
  if (!kinds.length) return '';
  const head = ['run', 'served', ...kinds, 'leaked pages', 'violations'].map((h) => `<th>${esc(h)}</th>`).join('');
  const body = ok
    .map((r) => {
      const cells = [where(r), `${r.completed}/${r.requests}`, ...kinds.map((k) => String(r.errors[k] ?? 0)), String(r.counters?.leakedPages ?? 0), String(Object.values(r.violations).reduce((a, b) => a + b, 0))];
      return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<h2>Served and errors by kind</h2><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
