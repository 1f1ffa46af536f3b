/**
 * Errors, leaks and violations: per run that has any, failed requests by errno, pages leaked
 * because they could not be made private again, and invariant violations by number. Runs with
 * none are left out; when no run has any, the figure says so instead of drawing empty axes.
 */
import type { TopLevelSpec } from 'vega-lite';
import { shortLabel } from '../format.js';
import type { ReportModel } from '../model.js';
import { type Figure, omittedFigure } from './common.js';

const KIND_COLORS = ['#e15759', '#f28e2b', '#edc948', '#b07aa1', '#9c755f', '#ff9da7', '#76b7b2', '#bab0ac'];

/** What went wrong in one run, by kind. */
export function problemsOf(row: ReportModel['rows'][number]['row']): { kind: string; n: number }[] {
  return [
    ...Object.entries(row.errors).map(([errno, n]) => ({ kind: `failed: ${errno}`, n })),
    { kind: 'leaked pages', n: row.counters?.leakedPages ?? 0 },
    ...Object.entries(row.violations).map(([inv, n]) => ({ kind: `violation: invariant ${inv}`, n })),
  ].filter((p) => p.n > 0);
}

export function errorsFigure(m: ReportModel): Figure {
  const id = 'errors';
  const title = 'Errors, leaks and violations';
  const values = m.rows.flatMap((r) => {
    const run = `${shortLabel(r.strategy)}${r.point ? ` @ ${r.point}` : ''}${r.row.seed !== undefined && m.res.rows.some((o) => o.seed !== r.row.seed) ? ` seed ${r.row.seed}` : ''}${r.row.errorsUnexpected ? ' ⚠' : ''}`;
    return problemsOf(r.row).map((p) => ({ run, ...p }));
  });
  if (!values.length) return omittedFigure(id, title, 'No run failed a request, leaked a page or violated an invariant.');
  const kinds = [...new Set(values.map((v) => v.kind))].sort();
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `${title}: counts per run, by kind`,
    data: { values },
    width: 480,
    height: { step: 20 },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'run', type: 'nominal', title: null, sort: null, axis: { labelLimit: 400 } },
      x: { field: 'n', type: 'quantitative', title: 'count (failed requests, pages, violations)', axis: { format: 'd', tickMinStep: 1 } },
      color: { field: 'kind', type: 'nominal', title: 'what', sort: kinds, scale: { domain: kinds, range: KIND_COLORS } },
      tooltip: [{ field: 'run' }, { field: 'kind' }, { field: 'n' }],
    },
  } as TopLevelSpec;
  return {
    id,
    title,
    caption:
      'Only runs with something to show. Failed requests by errno (EDATA: data the other side did not see intact), pages leaked because they could not be made private again, and invariant violations by number (docs/architecture.md "Invariants"). ⚠ marks errors the experiment did not expect.',
    spec,
  };
}
