/**
 * Whether the answer survives the cost model's uncertainty: the runner's `sensitivity` block
 * (docs/results-format.md "Sensitivity") — per sweep point, the ranking of strategies by p50
 * overhead, and for each cost parameter whether its low or high end flips it, and where. A block
 * the report cannot read is shown as its JSON rather than dropped.
 */
import { z } from 'zod';
import { escapeHtml } from './escape.js';
import { shortLabel } from './format.js';
import { pointName, type ReportModel } from './model.js';

const ranking = z.array(z.array(z.string()));
const side = z.object({ value: z.number(), holds: z.boolean() });
const sensitivitySchema = z.object({
  metric: z.string(),
  tolerance: z.object({ relative: z.number(), absoluteNs: z.number() }).optional(),
  parameters: z.array(z.object({ name: z.string(), low: z.number(), high: z.number(), basis: z.string().optional(), note: z.string().optional() })),
  points: z.array(
    z.object({
      label: z.string().optional(),
      coordinates: z.record(z.string(), z.unknown()).optional(),
      ranking,
      holds: z.boolean(),
      parameters: z
        .array(
          z.object({
            name: z.string(),
            low: side.optional(),
            high: side.optional(),
            flip: z.object({ side: z.enum(['low', 'high']), value: z.number(), lastHolding: z.number().optional(), swapped: z.tuple([z.string(), z.string()]).optional() }).optional(),
          }),
        )
        .optional(),
    }),
  ),
});
type Sensitivity = z.output<typeof sensitivitySchema>;
type SensitivityPoint = Sensitivity['points'][number];

const grouped = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });
const num = (n: number) => grouped.format(n);

function where(m: ReportModel, p: SensitivityPoint): string {
  return p.coordinates ? pointName(m.axes, p.coordinates) : (p.label ?? '');
}

const rankingHtml = (r: string[][]) => r.map((tie, i) => `${i + 1}. ${tie.map((s) => escapeHtml(shortLabel(s))).join(' = ')}`).join('&ensp;');

/** The flips at one point, one sentence each. */
function flips(p: SensitivityPoint): string[] {
  return (p.parameters ?? [])
    .filter((q) => q.flip)
    .map((q) => {
      const f = q.flip!;
      const swapped = f.swapped ? `: ${escapeHtml(shortLabel(f.swapped[0]))} now beats ${escapeHtml(shortLabel(f.swapped[1]))}` : '';
      return `<code>${escapeHtml(q.name)}</code> at ${num(f.value)} (its ${f.side} side${f.lastHolding !== undefined ? `; still holds at ${num(f.lastHolding)}` : ''})${swapped}`;
    });
}

/** The parsed block, or undefined when absent; a string (its JSON) when unreadable. */
function read(m: ReportModel): Sensitivity | string | undefined {
  const s = m.res.sensitivity;
  if (s === undefined || s === null) return undefined;
  const r = sensitivitySchema.safeParse(s);
  return r.success ? r.data : JSON.stringify(s);
}

/** The verdict per point name ("" for an unswept experiment), as a sentence for the "at a glance" box. */
export function sensitivityVerdicts(m: ReportModel): Map<string, string> {
  const s = read(m);
  const out = new Map<string, string>();
  if (s === undefined) return out;
  if (typeof s === 'string') {
    out.set('?', 'The sensitivity block in results.json could not be read — see <a href="#sensitivity">Sensitivity</a>.');
    return out;
  }
  for (const p of s.points) {
    const f = flips(p);
    out.set(where(m, p), p.holds ? 'The ranking holds over every cost parameter’s range.' : `<span class="flag">The ranking flips</span>${f.length ? ` with ${f.join('; ')}` : ''}.`);
  }
  return out;
}

/** The Sensitivity section: per point the ranking and what flips it; the ranges tried, collapsed. */
export function sensitivitySection(m: ReportModel): string {
  const s = read(m);
  if (s === undefined) return '';
  if (typeof s === 'string') return `<section id="sensitivity"><h2>Sensitivity to the cost model</h2><pre>${escapeHtml(s)}</pre></section>`;
  const rows = s.points
    .map((p) => {
      const f = flips(p);
      const verdict = p.holds ? 'holds' : `<span class="flag">flips</span>${f.length ? `<ul>${f.map((x) => `<li>${x}</li>`).join('')}</ul>` : ''}`;
      return `<tr><td>${escapeHtml(where(m, p) || '—')}</td><td>${rankingHtml(p.ranking)}</td><td>${verdict}</td></tr>`;
    })
    .join('\n');
  const tol = s.tolerance ? ` Strategies within ${num(s.tolerance.relative * 100)} % or ${num(s.tolerance.absoluteNs)} ns of each other tie (=).` : '';
  const params = s.parameters
    .map(
      (q) =>
        `<tr><td><code>${escapeHtml(q.name)}</code></td><td class="num">${num(q.low)}</td><td class="num">${num(q.high)}</td><td>${escapeHtml(q.basis ?? '')}</td><td>${escapeHtml(q.note ?? '')}</td></tr>`,
    )
    .join('');
  return `<section id="sensitivity"><h2>Sensitivity to the cost model</h2>
<p class="muted">Strategies ranked by ${escapeHtml(s.metric === 'overheadP50Ns' ? 'p50 guest overhead' : s.metric)}, best first; then each of ${s.parameters.length} cost parameters set alone to the low and the high end of its plausible range (docs/cost-parameters.md).${tol} A flip is two strategies ordered strictly the other way.</p>
<table class="plain"><thead><tr><th>point</th><th>ranking</th><th>under the ranges</th></tr></thead><tbody>${rows}</tbody></table>
<details><summary>Ranges tried (${s.parameters.length})</summary><table class="plain"><thead><tr><th>parameter</th><th>low</th><th>high</th><th>basis</th><th>why</th></tr></thead><tbody>${params}</tbody></table></details></section>`;
}
