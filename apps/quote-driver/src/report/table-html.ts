/**
 * The sortable summary table. Every cell carries the raw value from results.json in `data-value`;
 * the column's `data-path` says where in the row it came from and `data-unit` how it is printed,
 * so sorting uses the real numbers and a test can compare the page with the file.
 */
import { cellText, columnsFor, columnValue } from './columns.js';
import { escapeHtml } from './escape.js';
import type { ReportModel } from './model.js';

const attr = (v: unknown) => escapeHtml(v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export function summaryTable(m: ReportModel): string {
  const cols = columnsFor(m);
  const head = cols
    .map(
      (c) =>
        `<th scope="col" class="${c.numeric ? 'num' : 'txt'}" title="${escapeHtml(c.help)}" data-col="${escapeHtml(c.id)}" data-path="${attr(c.path)}" data-unit="${c.unit}"${c.sum ? ' data-sum="1"' : ''} aria-sort="none"><button type="button">${escapeHtml(c.head)}</button></th>`,
    )
    .join('');
  const body = m.rows
    .map((r) => {
      const cls = [r.row.status !== 'ok' ? 'not-run' : '', r.row.errorsUnexpected ? 'unexpected' : ''].filter(Boolean).join(' ');
      const cells = cols
        .map((c) => {
          const v = columnValue(c, r.row);
          let text = escapeHtml(cellText(c, r.row));
          if (c.id === 'errors' && r.row.errorsUnexpected) text += ' <span class="badge" title="errors the experiment did not expect">unexpected</span>';
          if (c.id === 'status' && r.row.status !== 'ok') text = `<span class="status-${escapeHtml(r.row.status)}" title="${escapeHtml(r.row.reason ?? '')}">${text}</span>`;
          return `<td class="${c.numeric ? 'num' : 'txt'}" data-value="${attr(v)}">${text}</td>`;
        })
        .join('');
      return `<tr data-row="${r.index}"${cls ? ` class="${cls}"` : ''}>${cells}</tr>`;
    })
    .join('\n');
  return `<div class="table-wrap"><table id="summary-table" class="sortable"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}
