/**
 * The top of the report: per sweep point, which strategies cost the guest least and most; whether
 * the ranking survives the cost model's uncertainty (the sensitivity the runner computed); what
 * did not run; and what failed unexpectedly or broke an invariant.
 */
import { problemsOf } from './charts/errors.js';
import { escapeHtml } from './escape.js';
import { formatDuration, shortLabel } from './format.js';
import { okRows, type PointRow, type ReportModel } from './model.js';
import { strategyLooks } from './palette.js';
import { sensitivityVerdicts } from './sensitivity.js';

/** Mean p50 overhead per strategy at one point, cheapest first. */
export function overheadRanking(rows: readonly PointRow[]): { label: string; ns: number }[] {
  const by = new Map<string, number[]>();
  for (const r of rows) if (r.row.overheadP50Ns !== undefined) by.set(r.strategy, [...(by.get(r.strategy) ?? []), r.row.overheadP50Ns]);
  return [...by].map(([label, xs]) => ({ label, ns: xs.reduce((a, b) => a + b, 0) / xs.length })).sort((a, b) => a.ns - b.ns);
}

function glanceItems(m: ReportModel): string[] {
  const looks = strategyLooks(m.strategies);
  const name = (label: string) => `<span class="swatch" style="background:${looks.get(label)?.color ?? '#999'}"></span>${escapeHtml(shortLabel(label))}`;
  const items: string[] = [];
  const ok = okRows(m);
  const verdicts = sensitivityVerdicts(m);
  for (const point of m.points) {
    const rank = overheadRanking(ok.filter((r) => r.point === point));
    if (rank.length < 2) continue;
    const verdict = verdicts.get(point);
    verdicts.delete(point);
    const lo = rank[0]!;
    const hi = rank[rank.length - 1]!;
    const at = point ? `<b>${escapeHtml(point)}</b>: ` : '';
    if (hi.ns <= lo.ns * 1.05) {
      // Nothing a strategy does shows: something else (a poll interval, the host) dominates.
      const spread = (hi.ns / Math.max(lo.ns, 1) - 1) * 100;
      const range = formatDuration(lo.ns) === formatDuration(hi.ns) ? `all ≈ ${formatDuration(lo.ns)}` : `${formatDuration(lo.ns)}–${formatDuration(hi.ns)}`;
      items.push(
        `<li>${at}every strategy within ${spread < 0.1 ? '0.1' : spread.toFixed(1)} % of the others (${escapeHtml(range)} guest overhead): the choice of strategy hardly shows here.${verdict ? ` ${verdict}` : ''}</li>`,
      );
      continue;
    }
    const best = rank.filter((r) => r.ns <= lo.ns * 1.05);
    const bestText =
      best.length > 3
        ? `${best.length} strategies within 5 % of ${escapeHtml(formatDuration(lo.ns))}, ${best
            .slice(0, 3)
            .map((b) => name(b.label))
            .join(', ')}, …`
        : best.map((b) => `${name(b.label)} (${escapeHtml(formatDuration(b.ns))})`).join(', ');
    items.push(
      `<li>${at}least guest overhead ${bestText}; most ${name(hi.label)} (${escapeHtml(formatDuration(hi.ns))}, ${(hi.ns / Math.max(lo.ns, 1)).toFixed(0)}×).${verdict ? ` ${verdict}` : ''}</li>`,
    );
  }
  for (const [point, verdict] of verdicts) items.push(`<li>${point && point !== '?' ? `<b>${escapeHtml(point)}</b>: ` : ''}${verdict}</li>`);
  const unexpected = m.rows.filter((r) => r.row.errorsUnexpected);
  if (unexpected.length)
    items.push(
      `<li class="flag">${unexpected.length} run(s) with unexpected errors: ${unexpected.map((r) => `${escapeHtml(r.strategy)}${r.point ? ` @ ${escapeHtml(r.point)}` : ''}`).join('; ')}.</li>`,
    );
  const broken = m.rows.filter((r) => Object.values(r.row.violations).some((n) => n > 0));
  if (broken.length) items.push(`<li class="flag">${broken.length} run(s) violated an invariant — see <a href="#sec-errors">Errors, leaks and violations</a>.</li>`);
  const leaked = m.rows.filter((r) => problemsOf(r.row).some((p) => p.kind === 'leaked pages'));
  if (leaked.length) items.push(`<li>${leaked.length} run(s) leaked pages they could not make private again.</li>`);
  const notRun = m.rows.length - ok.length;
  if (notRun) items.push(`<li>${notRun} run(s) did not run — see <a href="#not-run">Not run</a>.</li>`);
  return items;
}

/** The "at a glance" box (empty when there is nothing to say). */
export function glanceSection(m: ReportModel): string {
  const items = glanceItems(m);
  return items.length ? `<section class="glance" id="glance"><h2>At a glance</h2><ul>${items.join('')}</ul></section>` : '';
}

/** Runs that did not run, with the reason. */
export function notRunSection(m: ReportModel): string {
  const rows = m.rows.filter((r) => r.row.status !== 'ok');
  if (!rows.length) return '';
  const li = rows
    .map((r) => `<li><b>${escapeHtml(r.strategy)}</b>${r.point ? ` @ ${escapeHtml(r.point)}` : ''} — ${escapeHtml(r.row.status)}: ${escapeHtml(r.row.reason ?? '(no reason recorded)')}</li>`)
    .join('');
  return `<section id="not-run"><h2>Not run</h2><ul class="notrun">${li}</ul></section>`;
}
