/** One (point, strategy, seed) run on a fresh guest: what a worker thread does per task. */
import { BootError, type PlatformConfigInput, type StrategySpec } from '@tdx-shbuf/core';
import type { Experiment } from './experiment-schema.js';
import { LatencyHistogram } from './histogram.js';
import { maxBytesOf } from './limits.js';
import { unexpectedErrors, type RunRow } from './results.js';
import { Rng, sizeSampler } from './rng.js';
import { SeriesRecorder } from './series.js';
import { openBufferCycle, openQuote, type Session } from './sessions.js';

/** Everything a run needs, structured-cloneable so it can go to a worker thread. */
export interface RowTask {
  id: string;
  pointId: string;
  coordinates: Record<string, unknown>;
  label: string;
  strategyLabel: string;
  /** The strategy with the point's strategy options applied. */
  spec: StrategySpec;
  seed: number;
  /** The experiment at this point (coordinates applied, `workload.bytes` one size or a distribution). */
  experiment: Experiment;
  fromDir: string;
  conditions?: readonly string[] | undefined;
  trace?: boolean;
}

export interface RowResult {
  row: RunRow;
  wallMs: number;
  /** Chrome trace events of the run (with `trace`). */
  traceEvents?: { pid?: number }[];
}

/** Run one task; a crash of the model (a bug) throws. */
export async function runRow(task: RowTask): Promise<RowResult> {
  const wall0 = performance.now();
  const exp = task.experiment;
  const { cost, ...platformRest } = exp.platform;
  const w = exp.workload as RunRow['workload'];
  const bytes = w.bytes;
  const row: RunRow = {
    id: task.id,
    pointId: task.pointId,
    coordinates: task.coordinates,
    label: task.label,
    strategy: { label: task.strategyLabel, spec: task.spec },
    seed: task.seed,
    status: 'ok',
    workload: w,
    requests: w.clients * w.requests,
    completed: 0,
    errors: {},
    ...(exp.expectErrors ? { expectedErrors: exp.expectErrors } : {}),
    errorsUnexpected: false,
    modeledNs: 0,
    violations: {},
    platform: platformRest,
    cost,
  };
  const done = (r: RunRow): RowResult => ({ row: { ...r, errorsUnexpected: unexpectedErrors(r.errors, r.expectedErrors) }, wallMs: performance.now() - wall0 });
  // Each run's fault stream is seeded by (faults.seed, run seed): seeds give independent, reproducible runs.
  const faults = { ...exp.platform.faults, seed: (Math.imul(exp.platform.faults.seed, 1_000_003) + task.seed) >>> 0 };
  const platform: PlatformConfigInput = { ...exp.platform, faults, ...(task.trace ? { trace: true } : {}) };
  const from = { fromDir: task.fromDir, conditions: task.conditions };
  let session: Session | string;
  try {
    session = w.kind === 'quote' ? await openQuote(w, task.spec, bytes as number, task.seed, platform, from) : await openBufferCycle(w, task.spec, maxBytesOf(bytes), task.seed, platform, from);
  } catch (e) {
    if (e instanceof BootError) return done({ ...row, status: 'error', reason: e.message, errors: { [e.error.code]: 1 } });
    throw e;
  }
  if (typeof session === 'string') return done({ ...row, status: 'n/a', reason: session });
  const s = session;
  const m = s.m;
  row.strategy = { ...row.strategy, meta: s.meta, options: s.options, capabilities: s.capabilities };

  const t0 = m.sched.now();
  const i0 = m.sharedPageNs(t0);
  const bootShared = m.bootCounters.sharedPages;
  const latency = new LatencyHistogram();
  const overhead = new LatencyHistogram();
  const series = new SeriesRecorder();
  const sample = () => series.add({ tNs: m.sched.now() - t0, directMap: m.meminfo(), sharedBytes: (m.counters.sharedPages - bootShared) * 4096 });
  sample();
  const fail = (codes: string[]) => {
    for (const code of codes) row.errors[code] = (row.errors[code] ?? 0) + 1;
  };
  const arrival = w.arrival;
  const client = (c: number) => async () => {
    // Open loop: client c's arrivals are Poisson at ratePerSec / clients; it serves them in order, so queueing shows in the latency.
    const arrivals = arrival.kind === 'poisson' ? new Rng(task.seed, c, 1) : undefined;
    const meanGapNs = arrival.kind === 'poisson' ? (1e9 * w.clients) / arrival.ratePerSec : 0;
    const size = sizeSampler(bytes, new Rng(task.seed, c, 2));
    let next = t0;
    for (let i = 0; i < w.requests; i++) {
      if (arrivals) {
        next += Math.round(arrivals.exponential(meanGapNs));
        if (next > m.sched.now()) await m.sched.sleep(next - m.sched.now());
      }
      const start = arrivals ? next : m.sched.now();
      const errs = await s.request(c, i, size());
      fail(errs);
      if (errs.length === 0 || errs.every((e) => e === 'EDATA')) {
        const ns = m.sched.now() - start;
        latency.record(ns);
        overhead.record(ns - s.serviceNs);
        row.completed++;
      }
      sample();
    }
  };
  await m.sched.join(Array.from({ length: w.clients }, (_, c) => m.sched.spawn(`client${c}`, 'vcpu', c % m.config.vcpus, client(c), t0)));
  const endNs = m.sched.now();
  const meanPages = endNs > t0 ? (m.sharedPageNs(endNs) - i0) / (endNs - t0) - bootShared : 0;
  fail(await m.sched.join([m.sched.spawn('shutdown', 'vcpu', 0, () => s.close(), endNs)]).then(([r]) => r!));

  const lat = latency.summary();
  const over = overhead.summary();
  if (lat) row.latencyNs = lat;
  if (over) row.overheadNs = over;
  row.serviceNs = s.serviceNs;
  if (over) row.overheadP50Ns = over.p50;
  row.modeledNs = endNs - t0;
  row.throughputPerSec = row.modeledNs > 0 ? row.completed / (row.modeledNs / 1e9) : 0;
  row.counters = m.sinceBoot();
  row.directMap = m.meminfo();
  row.fragmentation = m.fragmentation();
  row.sharedBytes = { peak: (m.counters.sharedPagesPeak - bootShared) * 4096, mean: Math.max(0, meanPages) * 4096 };
  row.series = series.finish();
  for (const v of m.violations) row.violations[v.invariant] = (row.violations[v.invariant] ?? 0) + 1;
  const result = done(row);
  if (m.trace) result.traceEvents = m.trace.toJSON(m.config.vcpus, task.label).traceEvents;
  return result;
}
