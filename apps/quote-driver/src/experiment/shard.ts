/**
 * Sharded runs: `--shard k/n` (1-based k) runs the points whose index ≡ k−1
 * (mod n); `JOB_COMPLETION_INDEX` (0-based, as a Kubernetes Indexed Job sets
 * it) with a shard count does the same. `mergeShards` puts complete, disjoint
 * shards of one experiment back together as the unsharded run would have
 * written them (apart from timing).
 */
import { ExperimentError } from './matrix.js';
import { SCHEMA_VERSION, type ExperimentResults, type RunRow } from './results.js';

export interface Shard {
  k: number;
  n: number;
}

/** `--shard k/n`, else JOB_COMPLETION_INDEX + (--shards or TDX_SHBUF_SHARDS); undefined when none is given. */
export function resolveShard(opt: { shard?: string | undefined; shards?: string | undefined }, env: Readonly<Record<string, string | undefined>>): Shard | undefined {
  const count = (s: string, what: string) => {
    if (!/^[1-9]\d*$/.test(s)) throw new ExperimentError(`${what}: "${s}" is not a shard count (a positive integer)`);
    return Number(s);
  };
  if (opt.shard !== undefined) {
    const m = /^([1-9]\d*)\/([1-9]\d*)$/.exec(opt.shard);
    if (!m || Number(m[1]) > Number(m[2])) throw new ExperimentError(`--shard: "${opt.shard}" is not k/n with 1 ≤ k ≤ n (k is 1-based)`);
    return { k: Number(m[1]), n: Number(m[2]) };
  }
  const index = env.JOB_COMPLETION_INDEX;
  const n = opt.shards ?? env.TDX_SHBUF_SHARDS;
  if (index === undefined || index === '') {
    if (opt.shards !== undefined) throw new ExperimentError('--shards: needs JOB_COMPLETION_INDEX (0-based) in the environment, or use --shard k/n');
    return undefined;
  }
  if (n === undefined) throw new ExperimentError('JOB_COMPLETION_INDEX is set: give the shard count with --shards n or TDX_SHBUF_SHARDS');
  const total = count(n, opt.shards !== undefined ? '--shards' : 'TDX_SHBUF_SHARDS');
  if (!/^\d+$/.test(index) || Number(index) >= total) throw new ExperimentError(`JOB_COMPLETION_INDEX: "${index}" is not a 0-based index below ${total}`);
  return { k: Number(index) + 1, n: total };
}

/** Whether point `index` belongs to the shard. */
export const inShard = (index: number, shard: Shard | undefined): boolean => !shard || index % shard.n === shard.k - 1;

/** Order of a row id `p<point>-s<strategy>-seed<seed>` within results, given the seeds' order. */
function rowOrder(seeds: readonly number[]) {
  const key = (r: RunRow) => {
    const m = /^p(\d+)-s(\d+)-seed(\d+)$/.exec(r.id)!;
    return [Number(m[1]), Number(m[2]), seeds.indexOf(Number(m[3]))];
  };
  return (a: RunRow, b: RunRow) => {
    const [x, y] = [key(a), key(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  };
}

/** Combine shard results (`where` names each, for messages). Throws ExperimentError (one line) when they do not make one whole run. */
export function mergeShards(parts: readonly { where: string; results: ExperimentResults }[]): ExperimentResults {
  if (!parts.length) throw new ExperimentError('merge: no shard folders given');
  const [first] = parts;
  for (const { where, results: r } of parts) {
    if (r.schemaVersion !== SCHEMA_VERSION) throw new ExperimentError(`${where}: results schema version ${String(r.schemaVersion)}, expected ${SCHEMA_VERSION} (rerun with this tdx-shbuf)`);
    if (!r.shard) throw new ExperimentError(`${where}: not a shard (run with --shard k/n)`);
    if (r.experimentHash !== first!.results.experimentHash)
      throw new ExperimentError(`${where}: a shard of a different experiment than ${first!.where} (experiment hash ${r.experimentHash.slice(0, 12)} ≠ ${first!.results.experimentHash.slice(0, 12)})`);
    if (r.shard.n !== first!.results.shard!.n) throw new ExperimentError(`${where}: shard ${r.shard.k}/${r.shard.n}, but ${first!.where} is one of ${first!.results.shard!.n}`);
    if (r.generator.version !== first!.results.generator.version)
      throw new ExperimentError(`${where}: written by tdx-shbuf ${r.generator.version}, ${first!.where} by ${first!.results.generator.version}`);
  }
  const n = first!.results.shard!.n;
  const seen = new Map<number, string>();
  for (const { where, results: r } of parts) {
    const other = seen.get(r.shard!.k);
    if (other) throw new ExperimentError(`${where}: shard ${r.shard!.k}/${n} given twice (also ${other})`);
    seen.set(r.shard!.k, where);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length) throw new ExperimentError(`merge: missing shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')}`);
  const rows = parts.flatMap((p) => p.results.rows);
  const ids = new Set<string>();
  for (const r of rows) {
    if (ids.has(r.id)) throw new ExperimentError(`merge: row ${r.id} appears in two shards`);
    ids.add(r.id);
  }
  const base = first!.results;
  const expected = base.points.length * base.strategies.length * base.seeds.length;
  if (rows.length !== expected) throw new ExperimentError(`merge: ${rows.length} rows in the shards, the experiment has ${expected}`);
  rows.sort(rowOrder(base.seeds));
  const pointIndex = (id: string) => Number(id.slice(1));
  const sens = parts.map((p) => p.results.sensitivity);
  if (sens.some((s) => !s) && sens.some((s) => s)) throw new ExperimentError('merge: some shards ran the sensitivity analysis and some did not');
  const timings = parts.map((p) => p.results.timing);
  const { shard: _, trace: __, sensitivity: ___, timing: ____, ...rest } = base;
  return {
    ...rest,
    rows,
    ...(sens[0] ? { sensitivity: { ...sens[0], points: sens.flatMap((s) => s!.points).sort((a, b) => pointIndex(a.pointId) - pointIndex(b.pointId)) } } : {}),
    timing: {
      startedAt: timings.map((t) => t.startedAt).sort()[0]!,
      wallMs: timings.reduce((a, t) => a + t.wallMs, 0),
      jobs: Math.max(...timings.map((t) => t.jobs)),
      perRowWallMs: Object.fromEntries(rows.map((r) => [r.id, timings.find((t) => r.id in t.perRowWallMs)?.perRowWallMs[r.id] ?? 0])),
      ...(timings.some((t) => t.sensitivityWallMs !== undefined) ? { sensitivityWallMs: timings.reduce((a, t) => a + (t.sensitivityWallMs ?? 0), 0) } : {}),
    },
  };
}
