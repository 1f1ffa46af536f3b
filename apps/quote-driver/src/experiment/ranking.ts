/** Ranking strategies by a metric with ties, and what counts as a flip (docs/results-format.md "Sensitivity"). */

export interface Tolerance {
  relative: number;
  absoluteNs: number;
}

/** Metric per strategy label (lower is better), in the experiment's strategy order. */
export type Scores = Map<string, number>;

const tied = (a: number, b: number, t: Tolerance) => Math.abs(a - b) <= Math.max(t.absoluteNs, t.relative * Math.min(a, b));

/** Best first; inner arrays are ties (each within tolerance of its group's best). Equal values keep the strategy order. */
export function rank(scores: Scores, t: Tolerance): string[][] {
  const order = [...scores.keys()];
  const sorted = [...scores.entries()].sort(([a, x], [b, y]) => x - y || order.indexOf(a) - order.indexOf(b));
  const groups: string[][] = [];
  let head: number | undefined;
  for (const [label, v] of sorted) {
    if (head !== undefined && tied(head, v, t)) groups[groups.length - 1]!.push(label);
    else {
      groups.push([label]);
      head = v;
    }
  }
  return groups;
}

/**
 * The first pair the baseline orders strictly (outside tolerance) that `varied`
 * orders strictly the other way, as [now better, now worse]; undefined when the
 * ranking holds. A tie that opens or closes is not a flip. Strategies missing
 * from either side are left out.
 */
export function flipOf(base: Scores, varied: Scores, t: Tolerance): [string, string] | undefined {
  const labels = rank(base, t)
    .flat()
    .filter((l) => varied.has(l));
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      const [x, y] = [labels[i]!, labels[j]!];
      const [bx, by, vx, vy] = [base.get(x)!, base.get(y)!, varied.get(x)!, varied.get(y)!];
      if (bx < by && !tied(bx, by, t) && vy < vx && !tied(vx, vy, t)) return [y, x];
    }
  }
  return undefined;
}
