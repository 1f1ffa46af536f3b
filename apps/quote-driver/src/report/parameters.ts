/**
 * Parameters, collapsed: the experiment as run, the platform and cost model every number came
 * from (with the keys that differ between runs called out), and each strategy's package,
 * options and declared capabilities.
 */
import { escapeHtml } from './escape.js';
import type { ReportModel } from './model.js';

const json = (v: unknown) => `<pre>${escapeHtml(JSON.stringify(v, null, 2))}</pre>`;

/** Top-level keys of `field` whose value differs between rows. */
function varying(m: ReportModel, field: 'platform' | 'cost'): string[] {
  const objs = m.res.rows.map((r) => r[field]).filter((o): o is Record<string, unknown> => o !== null && typeof o === 'object');
  const keys = [...new Set(objs.flatMap((o) => Object.keys(o)))];
  return keys.filter((k) => new Set(objs.map((o) => JSON.stringify(o[k]))).size > 1);
}

function block(title: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(title)}</summary>${body}</details>`;
}

export function parametersSection(m: ReportModel): string {
  const first = m.res.rows.find((r) => r.status === 'ok') ?? m.res.rows[0];
  const parts: string[] = [];
  const experiment = m.res.experiment ?? m.res.workload;
  if (experiment !== undefined) parts.push(block(m.res.experiment ? 'Experiment (as run)' : 'Workload', json(experiment)));
  for (const field of ['platform', 'cost'] as const) {
    if (first?.[field] === undefined) continue;
    const diff = varying(m, field);
    const note = diff.length ? `<p class="muted">Shown for the first run; differs between runs: ${diff.map((k) => `<code>${escapeHtml(k)}</code>`).join(', ')} (see results.json).</p>` : '';
    parts.push(block(field === 'platform' ? 'Platform' : 'Cost model (virtual ns unless named otherwise; docs/cost-parameters.md)', note + json(first[field])));
  }
  const strategies = m.strategies.map((label) => {
    // v2 keeps package, options and capabilities under `strategy`, v1 at the top of the row.
    const loaded = m.rows.filter((x) => x.strategy === label).map((x) => x.row.strategy ?? x.row);
    const r: { meta?: { name: string; version: string }; options?: unknown; capabilities?: unknown } = loaded.find((x) => x.meta) ?? loaded[0] ?? {};
    const meta = r.meta ? ` — <code>${escapeHtml(r.meta.name)}@${escapeHtml(r.meta.version)}</code>` : '';
    const detail = { ...(r.options !== undefined ? { options: r.options } : {}), ...(r.capabilities !== undefined ? { capabilities: r.capabilities } : {}) };
    return `<li><b>${escapeHtml(label)}</b>${meta}${Object.keys(detail).length ? block('options and capabilities', json(detail)) : ''}</li>`;
  });
  parts.push(block(`Strategies (${m.strategies.length})`, `<ul class="strategies">${strategies.join('')}</ul>`));
  return `<section id="parameters"><h2>Parameters</h2><p class="muted">What every number came from; collapsed — click to open.</p>${parts.join('\n')}</section>`;
}
