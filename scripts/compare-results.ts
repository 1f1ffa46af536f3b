/**
 * Side-by-side overhead ranking of two runs of the same experiment (two
 * results.json files, e.g. before and after a cost-model change): per point
 * of the sweep, the strategies ordered by p50 guest overhead in each run,
 * every strategy's change, and every pair whose order flipped.
 *
 *   node --import tsx scripts/compare-results.ts <old/results.json> <new/results.json>
 */
import { fileURLToPath } from 'node:url';
import { readResults, us, type ResultRow } from './results-rows.js';

/** Rows that ran at one point, keyed by strategy label, cheapest first. */
function ranked(rows: readonly ResultRow[], point: string): Map<string, number> {
  const ok = rows.filter((r) => r.point === point && r.status === 'ok' && r.overheadP50Ns !== undefined);
  ok.sort((a, b) => a.overheadP50Ns! - b.overheadP50Ns! || a.strategy.localeCompare(b.strategy));
  return new Map(ok.map((r) => [r.strategy, r.overheadP50Ns!]));
}

/** Pairs ranked a < b (strictly cheaper) in one run and b < a in the other. */
export function flips(before: Map<string, number>, after: Map<string, number>): [string, string][] {
  const both = [...before.keys()].filter((l) => after.has(l));
  const out: [string, string][] = [];
  for (let i = 0; i < both.length; i++) {
    for (let j = i + 1; j < both.length; j++) {
      const [a, b] = [both[i]!, both[j]!];
      const was = Math.sign(before.get(a)! - before.get(b)!);
      const now = Math.sign(after.get(a)! - after.get(b)!);
      if (was !== 0 && now !== 0 && was !== now) out.push(was < 0 ? [a, b] : [b, a]);
    }
  }
  return out;
}

/** The comparison as text, point by point (points matched by their label: `bytes=8 KiB, clients=4`). */
export function compare(oldRows: readonly ResultRow[], newRows: readonly ResultRow[]): string {
  const points = [...new Set([...oldRows, ...newRows].map((r) => r.point))];
  const out: string[] = [];
  for (const point of points) {
    const before = ranked(oldRows, point);
    const after = ranked(newRows, point);
    const o = [...before];
    const n = [...after];
    const w = Math.max(8, ...[...o, ...n].map(([l]) => l.length));
    out.push(`${point || 'all runs'}: overhead p50, µs, cheapest first`, `rank  ${'old'.padEnd(w)}  ${'µs'.padStart(7)}   ${'new'.padEnd(w)}  ${'µs'.padStart(7)}`);
    for (let i = 0; i < Math.max(o.length, n.length); i++) {
      const cell = (e: [string, number] | undefined) => (e ? `${e[0].padEnd(w)}  ${us(e[1]).padStart(7)}` : ' '.repeat(w + 9));
      out.push(`${String(i + 1).padStart(4)}  ${cell(o[i])}   ${cell(n[i])}`);
    }
    out.push('', 'change per strategy:');
    for (const [label, ns] of n) {
      const was = before.get(label);
      out.push(`  ${label.padEnd(w)}  ${was === undefined ? 'new'.padStart(9) : us(was).padStart(9)} → ${us(ns).padStart(7)}${was === undefined ? '' : `  (${ns >= was ? '+' : ''}${us(ns - was)})`}`);
    }
    for (const label of before.keys()) if (!after.has(label)) out.push(`  ${label.padEnd(w)}  ${us(before.get(label)!).padStart(9)} → not in the new run`);
    const f = flips(before, after);
    out.push('', f.length ? `order changed: ${f.map(([a, b]) => `${a} was cheaper than ${b}, now dearer`).join('; ')}` : 'order unchanged', '');
  }
  return out.join('\n');
}

function main(): void {
  const [oldPath, newPath] = process.argv.slice(2);
  if (!oldPath || !newPath) {
    console.error('usage: compare-results.ts <old/results.json> <new/results.json>');
    process.exit(2);
  }
  try {
    process.stdout.write(compare(readResults(oldPath).rows, readResults(newPath).rows));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
