/** The terminal table: the summary columns that fit a wide terminal, then what did not run and what failed unexpectedly. */
import { cellText, columnsFor, errorsText } from './columns.js';
import { buildModel } from './model.js';
import type { ReportResults } from './results-shape.js';

/** The readable terminal table of `res`. */
export function renderTable(res: ReportResults): string {
  const m = buildModel(res);
  const cols = columnsFor(m).filter((c) => c.terminal);
  // A run that did not run says so in its errors cell, as the HTML table's status column does;
  // errors the experiment does not expect are marked "!" (docs/sweeps.md "Errors").
  const cell = (c: (typeof cols)[number], r: (typeof m.rows)[number]) => {
    if (c.id !== 'errors') return cellText(c, r.row);
    if (r.row.status !== 'ok') return r.row.status;
    return `${cellText(c, r.row)}${r.row.errorsUnexpected ? ' !' : ''}`;
  };
  const rows = m.rows.map((r) => cols.map((c) => cell(c, r)));
  const heads = cols.map((c) => c.head);
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (cols[i]!.numeric ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(heads), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
  // v2 rows carry their own label (`<strategy> @ <point>[ seed n]`); v1 rows get the point added.
  const where = (r: (typeof m.rows)[number]) => (r.row.strategy ? r.row.label : `${r.strategy}${r.point ? ` @ ${r.point}` : ''}`);
  const notRun = m.rows.filter((r) => r.row.status !== 'ok').map((r) => `  ${where(r)}: ${r.row.reason ?? r.row.status}`);
  const horizon = m.rows.find((r) => r.row.fragmentation)?.row.fragmentation?.horizonS;
  if (horizon !== undefined) out.push('', `frag. µs: the direct-map fragmentation left behind, as the guest workload's lost CPU time over ${horizon} s (not in the overhead).`);
  if (notRun.length) out.push('', 'not run:', ...notRun);
  const unexpected = m.rows.filter((r) => r.row.errorsUnexpected).map((r) => `  ${where(r)}: ${errorsText(r.row.errors)} of ${r.row.requests} requests`);
  if (unexpected.length) out.push('', 'errors the experiment does not expect (!):', ...unexpected);
  return `${out.join('\n')}\n`;
}
