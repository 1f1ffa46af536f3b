/**
 * The runner's sensitivity verdicts (results.json `sensitivity`): per sweep point, whether the
 * ranking of strategies holds over the cost parameters' plausible ranges, or which parameter
 * flips it at what value. Read tolerantly: an entry the report does not understand is shown as
 * its JSON rather than dropped.
 */
import { escapeHtml } from './escape.js';
import { shortLabel } from './format.js';
import { pointName, type ReportModel } from './model.js';

interface Flip {
  parameter?: string;
  param?: string;
  value?: unknown;
  between?: unknown[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function flipText(f: Flip): string {
  const p = f.parameter ?? f.param;
  const between = Array.isArray(f.between) && f.between.length === 2 ? ` (${f.between.map((s) => escapeHtml(shortLabel(String(s)))).join(' ⇄ ')})` : '';
  return `<code>${escapeHtml(String(p ?? '?'))}</code>${f.value !== undefined ? ` at ${escapeHtml(String(f.value))}` : ''}${between}`;
}

/** One HTML line per sensitivity entry (none when results.json has no sensitivity). */
export function sensitivityItems(m: ReportModel): string[] {
  const s = m.res.sensitivity;
  if (s === undefined || s === null) return [];
  const entries = Array.isArray(s)
    ? s
    : isObject(s) && Array.isArray(s.points)
      ? s.points
      : isObject(s)
        ? Object.entries(s).map(([point, v]) => ({ point, ...(isObject(v) ? v : { value: v }) }))
        : [s];
  return entries.map((e) => {
    if (!isObject(e) || typeof e.holds !== 'boolean') return `sensitivity: <code>${escapeHtml(JSON.stringify(e))}</code>`;
    const where = isObject(e.coordinates) ? pointName(m.axes, e.coordinates) : typeof e.point === 'string' ? e.point : '';
    const at = where ? `<b>${escapeHtml(where)}</b>: ` : '';
    if (e.holds) return `${at}the ranking holds over the cost parameters’ ranges.`;
    const flips = (Array.isArray(e.flips) ? e.flips : []).filter(isObject) as Flip[];
    return `${at}<span class="flag">the ranking flips</span>${flips.length ? ` when ${flips.map(flipText).join('; ')}` : ''}.`;
  });
}
