/**
 * One look per strategy across every chart: the hue says which package (direct-map blues,
 * vmap-noalias greens, …), the shade and the dash say which configuration of it, so variants
 * of one package sit together in a legend and still tell apart on a line chart.
 */

/** Shades from dark to light per first-party package; other packages take the spare hues in turn. */
const FAMILY_SHADES: Record<string, readonly string[]> = {
  'direct-map': ['#1f4e79', '#4e79a7', '#8cb4dc'],
  'vmap-noalias': ['#2d6a27', '#59a14f', '#9fd08f'],
  'open-coded': ['#b35806', '#f28e2b', '#fdb863'],
  'dma-swiotlb': ['#7b2d5e', '#b07aa1', '#e15759', '#f1a7b4'],
  'shared-pool': ['#17706e', '#76b7b2'],
};
const SPARE_SHADES: readonly (readonly string[])[] = [
  ['#7f6a00', '#edc948'],
  ['#6b4c34', '#9c755f'],
  ['#555555', '#a0a0a0'],
];
const DASHES: readonly number[][] = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond'] as const;

export interface StrategyLook {
  color: string;
  /** SVG stroke-dasharray ([] = solid). */
  dash: number[];
  shape: (typeof SHAPES)[number];
}

/** The package part of a label: `dma-swiotlb {mode: "atomic"}` → `dma-swiotlb`. */
const family = (label: string) => label.split(' ')[0]!;

/** A look for every label, stable for a given list of labels. */
export function strategyLooks(labels: readonly string[]): Map<string, StrategyLook> {
  const families = [...new Set(labels.map(family))];
  let spare = 0;
  const shadesOf = new Map(families.map((f) => [f, FAMILY_SHADES[f] ?? SPARE_SHADES[spare++ % SPARE_SHADES.length]!]));
  const looks = new Map<string, StrategyLook>();
  for (const f of families) {
    const members = labels.filter((l) => family(l) === f);
    const shades = shadesOf.get(f)!;
    members.forEach((label, i) => {
      looks.set(label, { color: shades[i % shades.length]!, dash: DASHES[i % DASHES.length]!, shape: SHAPES[i % SHAPES.length]! });
    });
  }
  return looks;
}

/** Vega-Lite scales that give each strategy its look (domain in the experiment's order). */
export function strategyScales(labels: readonly string[], display: (label: string) => string = (l) => l) {
  const looks = strategyLooks(labels);
  const domain = labels.map(display);
  return {
    color: { domain, range: labels.map((l) => looks.get(l)!.color) },
    strokeDash: { domain, range: labels.map((l) => looks.get(l)!.dash) },
    shape: { domain, range: labels.map((l) => looks.get(l)!.shape) },
  };
}
