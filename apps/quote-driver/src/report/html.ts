/**
 * report.html: one self-contained file. Charts are SVG drawn at report time, the stylesheet and
 * the one small script (table sorting) are inline, and a Content-Security-Policy forbids the page
 * from loading anything else, so it reads the same offline as on a server.
 */
import { createHash } from 'node:crypto';
import { errorsFigure } from './charts/errors.js';
import type { Figure } from './charts/common.js';
import { latencyFigure } from './charts/latency.js';
import { phasesFigure } from './charts/phases.js';
import { sweepFigures } from './charts/sweep.js';
import { directMapFigures, sharedFigures } from './charts/timeline.js';
import { escapeHtml } from './escape.js';
import { glanceSection, notRunSection } from './glance.js';
import { buildModel, type ReportModel } from './model.js';
import { SORT_SCRIPT } from './page-script.js';
import { sensitivitySection } from './sensitivity.js';
import { PAGE_STYLE } from './page-style.js';
import { parametersSection } from './parameters.js';
import type { ReportResults } from './results-shape.js';
import { renderSvg } from './svg.js';
import { summaryTable } from './table-html.js';

interface Section {
  id: string;
  title: string;
  intro?: string;
  figures: Figure[];
  /** Figures after the first are collapsed (one per sweep point). */
  collapseAfterFirst?: boolean;
}

function sections(m: ReportModel): Section[] {
  const out: Section[] = [
    { id: 'cost', title: 'Where the guest’s time goes', figures: [phasesFigure(m)] },
    { id: 'latency', title: 'Latency', figures: [latencyFigure(m)] },
  ];
  const sweeps = sweepFigures(m);
  if (sweeps.length) out.push({ id: 'sweeps', title: 'Sweeps', intro: 'Each swept key on its own axis, the others held fixed per panel.', figures: sweeps });
  out.push(
    { id: 'direct-map', title: 'Direct map over time', figures: directMapFigures(m), collapseAfterFirst: true },
    { id: 'shared', title: 'Shared memory held over time', figures: sharedFigures(m), collapseAfterFirst: true },
    { id: 'errors', title: 'Errors, leaks and violations', figures: [errorsFigure(m)] },
  );
  return out;
}

async function figureHtml(f: Figure, collapsed: boolean, opts: RenderHtmlOptions): Promise<string> {
  let body = `<p class="omitted">Not drawn: ${escapeHtml(f.omitted ?? 'nothing to draw.')}</p>`;
  if (f.spec) {
    const svg = await renderSvg(f.spec, f.id, opts.onWarning);
    opts.onChart?.({ id: f.id, title: f.title, svg });
    body = `<div class="chart" role="img" aria-label="${escapeHtml(f.title)}">${svg}</div><figcaption>${escapeHtml(f.caption)}</figcaption>`;
  }
  const fig = `<figure id="${escapeHtml(f.id)}" data-chart="${f.spec ? 'drawn' : 'omitted'}">${collapsed ? '' : `<h3>${escapeHtml(f.title)}</h3>`}${body}</figure>`;
  return collapsed ? `<details class="point"><summary>${escapeHtml(f.title)}</summary>${fig}</details>` : fig;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64');

export interface RenderHtmlOptions {
  /** Vega and Vega-Lite warnings while drawing (default: ignored). */
  onWarning?: (message: string) => void;
  /** Every chart drawn, as a standalone SVG document (`tdx-shbuf report --svg`). */
  onChart?: (chart: { id: string; title: string; svg: string }) => void;
}

/**
 * The whole report.html for `res`. Nothing wall-clock goes in (no start time, no wall time): the
 * same results render to the same bytes, so shards merged give the page an unsharded run gives.
 */
export async function renderHtml(res: ReportResults, opts: RenderHtmlOptions = {}): Promise<string> {
  const m = buildModel(res);
  const secs = sections(m);
  const rendered: string[] = [];
  for (const s of secs) {
    const figs: string[] = [];
    for (const [i, f] of s.figures.entries()) figs.push(await figureHtml(f, Boolean(s.collapseAfterFirst) && i > 0, opts));
    rendered.push(`<section id="sec-${s.id}"><h2>${escapeHtml(s.title)}</h2>${s.intro ? `<p class="muted">${escapeHtml(s.intro)}</p>` : ''}${figs.join('\n')}</section>`);
  }
  const ok = m.rows.filter((r) => r.row.status === 'ok').length;
  const meta = [
    `${m.rows.length} run${m.rows.length === 1 ? '' : 's'} (${ok} completed)`,
    `${m.strategies.length} strateg${m.strategies.length === 1 ? 'y' : 'ies'}`,
    m.axes.length ? `swept: ${m.axes.map((a) => `${a.title} (${a.values.length})`).join(', ')}` : 'one point',
    `results schema v${res.schemaVersion ?? 1}`,
  ].filter(Boolean);
  const toc = [['summary', 'Summary table'], ...(res.sensitivity !== undefined ? [['sensitivity', 'Sensitivity']] : []), ...secs.map((s) => [`sec-${s.id}`, s.title]), ['parameters', 'Parameters']]
    .map(([id, t]) => `<a href="#${id}">${escapeHtml(t!)}</a>`)
    .join('');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${sha256(SORT_SCRIPT)}'`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(res.name)} — tdx-shbuf report</title>
<style>${PAGE_STYLE}</style></head>
<body><main>
<header class="top"><h1>${escapeHtml(res.name)}</h1>${res.description ? `<p class="lede">${escapeHtml(res.description)}</p>` : ''}
<p class="meta">${meta.map(escapeHtml).join(' · ')}. Every number is modeled by tdx-shbuf (virtual time, the cost model in Parameters); counters run from right before the strategy’s <code>init()</code> to after its <code>shutdown()</code>, boot excluded.</p>
<nav class="toc" aria-label="Contents">${toc}</nav></header>
${glanceSection(m)}
<section id="summary"><h2>Summary</h2><p class="muted">Click a column to sort; hover a header for what it counts. Times are modeled microseconds.</p>${summaryTable(m)}</section>
${notRunSection(m)}
${sensitivitySection(m)}
${rendered.join('\n')}
${parametersSection(m)}
</main>
<script>${SORT_SCRIPT}</script>
</body></html>
`;
}
