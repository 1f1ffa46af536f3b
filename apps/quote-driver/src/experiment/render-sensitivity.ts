/** The sensitivity analysis as text: per point, the ranking and what flips it. */
import type { ExperimentResults } from './results.js';

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));
const ranking = (groups: string[][]) => groups.map((g, i) => `${i + 1}. ${g.join(' = ')}`).join('   ');

export function renderSensitivity(res: ExperimentResults): string {
  const s = res.sensitivity;
  if (!s) return '';
  const t = s.tolerance;
  const out = [
    `sensitivity of the ranking by overhead p50 (ties within ${t.relative * 100} % or ${t.absoluteNs} ns), each of ${s.parameters.length} cost parameters alone at the low and high end of its range:`,
  ];
  const range = new Map(s.parameters.map((p) => [p.name, p]));
  for (const p of s.points) {
    out.push('', `${p.label || 'the experiment'}:`, `  ranking: ${ranking(p.ranking)}`);
    const flips = p.parameters.filter((o) => o.flip);
    if (!flips.length) {
      out.push('  holds over every range');
      continue;
    }
    for (const o of flips) {
      const f = o.flip!;
      const r = range.get(o.name)!;
      const from = (res.rows.find((x) => x.pointId === p.pointId)?.cost as Record<string, number> | undefined)?.[o.name];
      out.push(
        `  flips with ${o.name} (${r.basis}, range ${fmt(r.low)}–${fmt(r.high)}${from === undefined ? '' : `, default ${fmt(from)}`}): at ${fmt(f.value)} ${f.swapped[0]} beats ${f.swapped[1]} (holds to ${fmt(f.lastHolding)})`,
      );
    }
    const held = p.parameters.filter((o) => !o.flip).length;
    if (held) out.push(`  holds for the other ${held} parameter${held > 1 ? 's' : ''}`);
  }
  return `${out.join('\n')}\n`;
}
