/**
 * Sweeps over any key (docs/results-format.md): the axes of an experiment's
 * `matrix:` (plus a `workload.bytes` list), their cross product as points, and
 * each point applied to the experiment and validated again.
 */
import { ExperimentError, parseExperiment, type Experiment } from './experiment-schema.js';
import { experimentJsonSchema } from './docs.js';
import { formatSize } from './size.js';

/** One sweep axis: a dotted key and the values it takes (normalised: sizes as byte counts). */
export interface Axis {
  key: string;
  values: unknown[];
}

/** One point of the cross product. */
export interface Point {
  /** `p<index>`, 0-based in enumeration order (the last axis varies fastest). */
  id: string;
  index: number;
  /** `bytes=8 KiB, vcpus=8`: for people, not for parsing. */
  label: string;
  coordinates: Record<string, unknown>;
}

/** The prefix of matrix keys that set strategy options. */
export const STRATEGY_OPTIONS = 'strategy.options.';

export { ExperimentError };

type Node = { properties?: Record<string, Node>; oneOf?: Node[]; anyOf?: Node[] };

let keysCache: string[] | undefined;
/** Every dotted key a matrix may sweep: platform.* and workload.*, objects and leaves. */
export function sweepableKeys(): string[] {
  if (keysCache) return keysCache;
  const out = new Set<string>();
  const walk = (prefix: string, n: Node) => {
    for (const alt of [...(n.oneOf ?? []), ...(n.anyOf ?? [])]) walk(prefix, alt);
    for (const [k, child] of Object.entries(n.properties ?? {})) {
      out.add(`${prefix}${k}`);
      walk(`${prefix}${k}.`, child);
    }
  };
  const root = experimentJsonSchema() as Node;
  for (const top of ['platform', 'workload']) walk(`${top}.`, root.properties![top]!);
  keysCache = [...out].filter((k) => k !== 'platform.trace');
  return keysCache;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The closest candidate within a third of the key's length, as ` (did you mean x?)`, or ''. */
export function didYouMean(key: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const c of candidates) {
    const dd = distance(key.toLowerCase(), c.toLowerCase());
    if (dd < bestD) [best, bestD] = [c, dd];
  }
  return best ? ` (did you mean ${best}?)` : '';
}

/** The axes in enumeration order: a `workload.bytes` list first, then `matrix:` in file order. Keys other than strategy options are checked here. */
export function axesOf(exp: Experiment, file: string): Axis[] {
  const axes: Axis[] = [];
  if (Array.isArray(exp.workload.bytes)) {
    if ('workload.bytes' in exp.matrix) throw new ExperimentError(`${file}: workload.bytes: a list sweeps sizes already; give the sizes in matrix.workload.bytes or in workload.bytes, not both`);
    axes.push({ key: 'workload.bytes', values: exp.workload.bytes });
  }
  const keys = sweepableKeys();
  for (const [key, values] of Object.entries(exp.matrix)) {
    if (key.startsWith(STRATEGY_OPTIONS)) {
      if (key.length === STRATEGY_OPTIONS.length) throw new ExperimentError(`${file}: matrix.${key}: name the option, e.g. strategy.options.mode`);
    } else if (!keys.includes(key)) throw new ExperimentError(`${file}: matrix.${key}: unknown key${didYouMean(key, [...keys, `${STRATEGY_OPTIONS}<option>`])}`);
    if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) throw new ExperimentError(`${file}: matrix.${key}: a value is listed twice`);
    axes.push({ key, values });
  }
  return axes;
}

/** The cross product of the axes, the last varying fastest; one empty point when there are none. */
export function enumeratePoints(axes: readonly Axis[]): Point[] {
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  const short = shortNames(axes.map((a) => a.key));
  return Array.from({ length: total }, (_, index) => {
    const coordinates: Record<string, unknown> = {};
    let rest = index;
    for (let i = axes.length - 1; i >= 0; i--) {
      const a = axes[i]!;
      coordinates[a.key] = a.values[rest % a.values.length];
      rest = Math.floor(rest / a.values.length);
    }
    const ordered = Object.fromEntries(axes.map((a) => [a.key, coordinates[a.key]]));
    const label = axes.map((a, i) => `${short[i]}=${formatValue(a.key, ordered[a.key])}`).join(', ');
    return { id: `p${index}`, index, label, coordinates: ordered };
  });
}

/** The last segment of each key, or more of it where two would read the same. */
function shortNames(keys: readonly string[]): string[] {
  return keys.map((k) => {
    const parts = k.split('.');
    for (let n = 1; n <= parts.length; n++) {
      const s = parts.slice(-n).join('.');
      if (keys.filter((o) => o !== k && o.split('.').slice(-n).join('.') === s).length === 0) return s;
    }
    return k;
  });
}

/** A coordinate for a label: sizes in KiB/MiB, objects as compact JSON. */
export function formatValue(key: string, v: unknown): string {
  if (typeof v === 'number' && /(^|\.)(bytes|\w+Bytes)$/.test(key)) return formatSize(v);
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== 'object' || o[p] === null || Array.isArray(o[p])) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]!] = value;
}

/** Read a dotted key of a validated experiment. */
export function getPath(obj: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, p) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[p] : undefined), obj);
}

/**
 * The experiment at one point: every coordinate but strategy options set and
 * the whole validated again, so a bad value names its key
 * (`file: matrix.platform.vcpus = 2000: Too big…`).
 */
export function applyPoint(exp: Experiment, point: Point, file: string): Experiment {
  const raw = structuredClone({ ...exp, matrix: {} }) as unknown as Record<string, unknown>;
  for (const [key, v] of Object.entries(point.coordinates)) if (!key.startsWith(STRATEGY_OPTIONS)) setPath(raw, key, structuredClone(v));
  try {
    return parseExperiment(raw, file);
  } catch (e) {
    const where = /^[^:]*: ([\w.]+): /.exec((e as Error).message)?.[1] ?? '';
    const key = Object.keys(point.coordinates).find((k) => where === k || where.startsWith(`${k}.`) || k.startsWith(`${where}.`));
    const detail = (e as Error).message.slice(file.length + 2);
    throw new ExperimentError(key ? `${file}: matrix.${key} = ${JSON.stringify(point.coordinates[key])}: ${detail.slice(where.length + 2)}` : `${file}: matrix point ${point.label}: ${detail}`);
  }
}
