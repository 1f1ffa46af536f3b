/**
 * What the report reads from results.json: schema v2 (docs/results-format.md) and the v1 files
 * written before it (no `coordinates`, `series`, `cdf` or phase counters). Everything a chart
 * needs is optional, so an older or partial file renders with that chart omitted; what is present
 * must have the right type, or `tdx-shbuf report` names the key that is wrong. Keys the report
 * does not draw are dropped from the parsed value, never from results.json.
 */
import { z } from 'zod';

const num = z.number();
const counts = z.record(z.string(), num);

const latencySchema = z.object({
  p50: num,
  p95: num,
  p99: num,
  max: num,
  mean: num,
  /** Empirical CDF: [latency ns, fraction of requests ≤ it], ascending. */
  cdf: z.array(z.tuple([num, num])).optional(),
});

const seriesSchema = z.object({
  tNs: z.array(num),
  directMap4k: z.array(num).optional(),
  directMap2M: z.array(num).optional(),
  directMap1G: z.array(num).optional(),
  sharedBytes: z.array(num).optional(),
});

const strategySchema = z.object({
  label: z.string(),
  spec: z.unknown().optional(),
  meta: z.object({ name: z.string(), version: z.string() }).optional(),
  options: z.unknown().optional(),
  capabilities: z.unknown().optional(),
});

export const reportRowSchema = z.object({
  id: z.string().optional(),
  pointId: z.string().optional(),
  /** v2: `<strategy> @ <point>[ seed n]`; v1: the strategy's label. */
  label: z.string(),
  /** v2: the strategy as configured, with its package and declared capabilities once loaded. */
  strategy: strategySchema.optional(),
  /** v2: the sweep point, dotted experiment keys → value (e.g. `workload.bytes: 8192`). */
  coordinates: z.record(z.string(), z.unknown()).optional(),
  /** v1: the strategy's spec, package, options and capabilities at the top level. */
  spec: z.unknown().optional(),
  meta: z.object({ name: z.string(), version: z.string() }).optional(),
  options: z.unknown().optional(),
  capabilities: z.unknown().optional(),
  /** v1: the sweep point was only the size (and the fixed client count). */
  bytes: num.optional(),
  clients: num.optional(),
  seed: num.optional(),
  status: z.enum(['ok', 'n/a', 'error']),
  reason: z.string().optional(),
  requests: num,
  completed: num,
  errors: counts,
  /** v2: what the experiment's expectErrors declares for this row. */
  expectedErrors: z.record(z.string(), z.union([z.literal(true), num])).optional(),
  /** v2: errors the experiment did not declare as expected. */
  errorsUnexpected: z.boolean().optional(),
  latencyNs: latencySchema.optional(),
  /** v2: latency − service time per request, its own distribution. */
  overheadNs: latencySchema.optional(),
  overheadP50Ns: num.optional(),
  serviceNs: num.optional(),
  throughputPerSec: num.optional(),
  modeledNs: num.optional(),
  counters: counts.optional(),
  directMap: z.object({ DirectMap4k: num, DirectMap2M: num, DirectMap1G: num }).optional(),
  sharedBytes: z.object({ peak: num, mean: num }).optional(),
  /** The direct-map fragmentation the run left behind, priced over a horizon (never in the overhead). */
  fragmentation: z.object({ costNs: num, horizonS: num }).optional(),
  series: seriesSchema.optional(),
  violations: counts,
  wallMs: num.optional(),
  platform: z.unknown().optional(),
  cost: z.unknown().optional(),
});

export const reportResultsSchema = z.object({
  schemaVersion: num.optional(),
  name: z.string(),
  description: z.string().optional(),
  experiment: z.unknown().optional(),
  matrix: z.array(z.object({ key: z.string(), values: z.array(z.unknown()) })).optional(),
  /** v2: every point of the sweep, in enumeration order. */
  points: z.array(z.object({ id: z.string(), label: z.string(), coordinates: z.record(z.string(), z.unknown()) })).optional(),
  /** v2: the strategies in the experiment's order. */
  strategies: z.array(z.object({ label: z.string(), spec: z.unknown().optional() })).optional(),
  seeds: z.array(num).optional(),
  generator: z.object({ name: z.string(), version: z.string() }).optional(),
  rows: z.array(reportRowSchema),
  /** v2: per sweep point, whether the ranking survives the cost model's uncertainty. */
  sensitivity: z.unknown().optional(),
  timing: z.object({ startedAt: z.string(), wallMs: num }).optional(),
  /** v1. */
  startedAt: z.string().optional(),
  workload: z.unknown().optional(),
});

export type ReportRow = z.output<typeof reportRowSchema>;
export type ReportResults = z.output<typeof reportResultsSchema>;

/** Parse results.json text; throws an Error naming the first wrong key (`rows.3.status: …`). */
export function parseResults(text: string): ReportResults {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  const r = reportResultsSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  throw new Error(`not a tdx-shbuf results file: ${where}: ${issue.message}`);
}
