/**
 * The shape of results.json, schema version 2 (docs/results-format.md is the
 * contract with the report; keep the two in step).
 */
import { createHash } from 'node:crypto';
import type { CostParams, Counters, FragmentationCost, PlatformConfig, StrategyCapabilities, StrategySpec } from '@tdx-shbuf/core';
import type { Experiment } from './experiment-schema.js';
import type { LatencySummary } from './histogram.js';
import type { Axis, Point } from './matrix.js';
import type { Series } from './series.js';
import type { SensitivityResults } from './sensitivity.js';
import type { Workload } from './workload-schema.js';

export const SCHEMA_VERSION = 2;

/** One (point, strategy, seed) run. */
export interface RunRow {
  /** `<point id>-s<strategy index>-seed<seed>`. */
  id: string;
  pointId: string;
  coordinates: Record<string, unknown>;
  label: string;
  strategy: { label: string; spec: StrategySpec; meta?: { name: string; version: string }; options?: unknown; capabilities?: StrategyCapabilities };
  seed: number;
  /** ok; n/a when the strategy's declared capabilities cannot serve the point; error when boot or init failed. */
  status: 'ok' | 'n/a' | 'error';
  reason?: string;
  /** The workload at this point (a single size or a distribution). */
  workload: Omit<Workload, 'bytes'> & { bytes: Exclude<Workload['bytes'], number[]> };
  requests: number;
  completed: number;
  /** Failed requests by errno, plus EDATA for data the other side did not see intact. */
  errors: Record<string, number>;
  expectedErrors?: Record<string, true | number>;
  errorsUnexpected: boolean;
  latencyNs?: LatencySummary;
  /** Latency minus the host service time, per request. */
  overheadNs?: LatencySummary;
  serviceNs?: number;
  overheadP50Ns?: number;
  throughputPerSec?: number;
  modeledNs: number;
  /** Every model counter (deltas from right before init; gauges as at the end). */
  counters?: Counters;
  directMap?: { DirectMap4k: number; DirectMap2M: number; DirectMap1G: number };
  /** The steady-state cost of the direct-map fragmentation the run left behind, over platform.fragmentation.horizonS (never in the overhead). */
  fragmentation?: FragmentationCost;
  sharedBytes?: { peak: number; mean: number };
  series?: Series;
  violations: Record<string, number>;
  platform: Omit<PlatformConfig, 'cost'>;
  cost: CostParams;
}

/** Wall-clock figures: the only part of results.json that differs between equal runs. */
export interface Timing {
  startedAt: string;
  wallMs: number;
  jobs: number;
  perRowWallMs: Record<string, number>;
  sensitivityWallMs?: number;
}

export interface ExperimentResults {
  schemaVersion: typeof SCHEMA_VERSION;
  generator: { name: string; version: string };
  name: string;
  description: string;
  experiment: Experiment;
  experimentHash: string;
  matrix: Axis[];
  points: Omit<Point, 'index'>[];
  strategies: { label: string; spec: StrategySpec }[];
  seeds: number[];
  rows: RunRow[];
  sensitivity?: SensitivityResults;
  shard?: { k: number; n: number };
  timing: Timing;
  /** With `trace`: every run's timeline, one trace process per run (written to trace.json, not results.json). */
  trace?: { traceEvents: unknown[]; displayTimeUnit: 'ns' };
}

/** JSON with object keys sorted, for hashing. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

/** SHA-256 of the validated experiment: shards of one experiment agree on it. */
export function experimentHash(exp: Experiment): string {
  return createHash('sha256').update(canonicalJson(exp)).digest('hex');
}

/** Errors the experiment does not declare (any errno not listed, or more than its count). */
export function unexpectedErrors(errors: Record<string, number>, expected: Record<string, true | number> | undefined): boolean {
  return Object.entries(errors).some(([code, n]) => {
    const e = expected?.[code];
    return n > 0 && (e === undefined || (e !== true && n > e));
  });
}
