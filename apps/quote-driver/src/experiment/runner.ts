import {
  BootError,
  ConfigError,
  GAUGES,
  bootWithStrategy,
  type FragmentationCost,
  type Machine,
  type CostParams,
  type Counters,
  type PlatformConfig,
  type PlatformConfigInput,
  type StrategyCapabilities,
  type StrategySpec,
} from '@tdx-shbuf/core';
import { parseQuote } from '@tdx-shbuf/tdx-formats';
import { ConfigValidationError, parseConfig } from '../config/config-schema.js';
import { bootTd, loadAppStrategy, type Td } from '../td.js';
import type { Experiment } from './experiment-schema.js';

/** One (strategy, size, seed) run. */
export interface RunRow {
  /** The strategy as configured, e.g. `dma-swiotlb {mode: coherent}`. */
  label: string;
  spec: StrategySpec;
  /** Package meta recorded with every result. */
  meta?: { name: string; version: string };
  options?: unknown;
  capabilities?: StrategyCapabilities;
  bytes: number;
  clients: number;
  seed: number;
  /** ok; n/a when the strategy's declared capabilities cannot serve the workload; error when init failed. */
  status: 'ok' | 'n/a' | 'error';
  reason?: string;
  requests: number;
  completed: number;
  /** Failed requests by errno, plus EDATA for data the other side did not see intact. */
  errors: Record<string, number>;
  latencyNs?: { p50: number; p95: number; p99: number; max: number; mean: number };
  /** Host service time per request (from the workload or the cost model), ns. */
  serviceNs?: number;
  /** Guest-side overhead per request: latency minus the host service time, p50, ns. */
  overheadP50Ns?: number;
  /** Completed requests per second of modeled time. */
  throughputPerSec?: number;
  /** Modeled time from init to shutdown, ns. */
  modeledNs: number;
  /** Counters from right before init to after shutdown (boot excluded; gauges as at the end). */
  counters?: Counters;
  directMap?: { DirectMap4k: number; DirectMap2M: number; DirectMap1G: number };
  /** The steady-state cost of the direct-map fragmentation the run left behind, over platform.fragmentation.horizonS (never in the overhead). */
  fragmentation?: FragmentationCost;
  /** Shared memory beyond the boot-time pools (SWIOTLB, atomic pools): peak over the run, time-weighted mean while requests ran. */
  sharedBytes?: { peak: number; mean: number };
  /** Violations by invariant number. */
  violations: Record<string, number>;
  /** Wall time of the simulation itself, ms. */
  wallMs: number;
  platform: Omit<PlatformConfig, 'cost'>;
  cost: CostParams;
}

export interface ExperimentResults {
  name: string;
  description: string;
  /** When the run started (ISO 8601). */
  startedAt: string;
  workload: Experiment['workload'];
  rows: RunRow[];
  /** With `trace`: every run's timeline, one trace process per run (not written to results.json). */
  trace?: { traceEvents: unknown[]; displayTimeUnit: 'ns' };
}

export interface RunOptions {
  /** Folder strategy names are resolved from (the experiment file's folder). */
  fromDir: string;
  /** Export conditions for resolving strategy packages (tests add "source"). */
  conditions?: readonly string[];
  /** Called after each run. */
  onRow?: (row: RunRow) => void;
  /** Record a timeline of every run (Chrome trace-event JSON in `results.trace`). */
  trace?: boolean;
}


/** A compact label: `name` or `name {key: value, …}`. */
export function strategyLabel(spec: StrategySpec): string {
  if (typeof spec === 'string') return spec;
  const opts = Object.entries(spec[1] ?? {});
  return opts.length ? `${spec[0]} {${opts.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}` : spec[0];
}

/** Deterministic bytes for request `i` of client `c` under `seed` (xorshift32). */
function pattern(seed: number, c: number, i: number, n: number): Uint8Array {
  let x = (seed * 2654435761 + c * 40503 + i * 97 + 1) >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[k] = x & 0xff;
  }
  return out;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Run every (strategy, size, seed) of the experiment, each on a fresh model. */
export async function runExperiment(exp: Experiment, opts: RunOptions): Promise<ExperimentResults> {
  const sizes = Array.isArray(exp.workload.bytes) ? exp.workload.bytes : [exp.workload.bytes];
  const results: ExperimentResults = { name: exp.name, description: exp.description, startedAt: new Date().toISOString(), workload: exp.workload, rows: [] };
  for (const spec of exp.strategies) {
    for (const bytes of sizes) {
      for (const seed of exp.seeds) {
        const row = await runOne(exp, spec as StrategySpec, bytes, seed, opts, results);
        results.rows.push(row);
        opts.onRow?.(row);
      }
    }
  }
  return results;
}

/** What a run needs from its workload: a booted model, one request, and the way to stop. */
interface Session {
  m: Machine;
  meta: { name: string; version: string };
  options: unknown;
  capabilities: StrategyCapabilities;
  /** Counters right before the strategy's init (boot excluded). */
  before: Counters;
  /** Host service time per request, ns (for the overhead column). */
  serviceNs: number;
  /** One request of client `c`; returns the errno names of what went wrong (empty: fine). */
  request(c: number, i: number): Promise<string[]>;
  close(): Promise<string[]>;
}

/** A ConfigError that only says the strategy cannot serve this workload (code `capability`): the run is n/a, not an error. */
const notApplicable = (e: unknown): e is ConfigError => e instanceof ConfigError && e.code === 'capability';

/** buffer-cycle: alloc → guest writes → host reads and answers after the service time → guest reads → free. */
async function openBufferCycle(exp: Experiment, spec: StrategySpec, bytes: number, seed: number, platform: PlatformConfigInput, opts: RunOptions): Promise<Session | string> {
  const w = exp.workload;
  const requirements = { concurrent: w.clients > 1, bytes, deviceAvailable: true };
  let loaded: Awaited<ReturnType<typeof loadAppStrategy>>;
  try {
    loaded = await loadAppStrategy(spec, opts.fromDir, requirements, opts.conditions);
  } catch (e) {
    if (notApplicable(e)) return e.message;
    throw e;
  }
  const def = loaded.definition;
  const { machine: m, allocator, bootCounters: before } = bootWithStrategy({ platform, strategy: loaded, requirements });
  const init = await allocator.init();
  if (!init.ok) throw new BootError('init', init.error, init.error.message);
  const serviceNs = w.hostServiceNs ?? m.cost.quoteGenerationNs;
  return {
    m,
    meta: { name: def.meta.name, version: def.meta.version },
    options: loaded.options,
    capabilities: loaded.capabilities,
    before,
    serviceNs,
    async request(c, i) {
      const errs: string[] = [];
      const got = await allocator.alloc(bytes);
      if (!got.ok) return [got.error.code];
      const b = got.value;
      const request = pattern(seed, c, i, bytes);
      const answer = pattern(seed + 1, c, i, bytes);
      if (!b.write(0, request).ok || !b.syncForDevice(0, bytes).ok) errs.push('EFAULT');
      await m.sched.sleep(serviceNs);
      // The host reads the request and writes its answer through the shared GPAs.
      let off = 0;
      for (const g of b.sharedGpas) {
        const n = Math.min(g.bytes, bytes - off);
        if (n <= 0) break;
        const seen = m.host.readShared(g.gpa, n);
        if (!seen || !equal(seen, request.subarray(off, off + n))) errs.push('EDATA');
        m.host.writeShared(g.gpa, answer.subarray(off, off + n));
        off += n;
      }
      const back = b.syncForCpu(0, bytes).ok ? b.read(0, bytes) : undefined;
      if (!back?.ok || !equal(back.value, answer)) errs.push('EDATA');
      const freed = await allocator.free(b);
      if (!freed.ok) errs.push(freed.error.code);
      return errs;
    },
    async close() {
      const r = await allocator.shutdown();
      return r.ok ? [] : [r.error.code];
    },
  };
}

/** quote: the tdx-guest driver's GetQuote flow on the model, one quote per request, checked to carry its REPORTDATA. */
async function openQuote(exp: Experiment, spec: StrategySpec, bytes: number, seed: number, platform: PlatformConfigInput, opts: RunOptions): Promise<Session | string> {
  const w = exp.workload;
  let td: Td;
  try {
    const config = parseConfig({ strategy: spec, platform, driver: { ...w.driver, bufferBytes: bytes } });
    td = await bootTd(config, { configDir: opts.fromDir, ...(opts.conditions ? { conditions: opts.conditions } : {}) });
  } catch (e) {
    // bootTd prefixes "strategy: "; the n/a reason is the capability sentence itself.
    if (notApplicable(e)) return e.cause instanceof ConfigError ? e.cause.message : e.message;
    if (e instanceof ConfigValidationError) return e.message;
    throw e;
  }
  const m = td.machine;
  const def = td.strategy.definition;
  return {
    m,
    meta: { name: def.meta.name, version: def.meta.version },
    options: td.strategy.options,
    capabilities: td.strategy.capabilities,
    before: td.bootCounters,
    serviceNs: m.cost.quoteGenerationNs + m.config.faults.quoteService.extraLatencyNs,
    async request(c, i) {
      const reportData = pattern(seed * 7919, c, i, 64);
      const r = await td.driver.getQuote(reportData);
      if (!r.ok) return [r.error.code];
      try {
        const q = parseQuote(r.value);
        return equal(q.body.reportData, reportData) ? [] : ['EDATA'];
      } catch {
        return ['EDATA'];
      }
    },
    async close() {
      const r = await td.driver.shutdown();
      return r.ok ? [] : [r.error.code];
    },
  };
}

async function runOne(exp: Experiment, spec: StrategySpec, bytes: number, seed: number, opts: RunOptions, results: ExperimentResults): Promise<RunRow> {
  const wall0 = performance.now();
  const { cost, ...platformRest } = exp.platform;
  const w = exp.workload;
  const row: RunRow = {
    label: strategyLabel(spec),
    spec,
    bytes,
    clients: w.clients,
    seed,
    status: 'ok',
    requests: w.clients * w.requests,
    completed: 0,
    errors: {},
    modeledNs: 0,
    violations: {},
    wallMs: 0,
    platform: platformRest,
    cost,
  };
  // Each run's fault stream is seeded by (faults.seed, run seed): seeds give independent, reproducible runs.
  const faults = { ...exp.platform.faults, seed: (Math.imul(exp.platform.faults.seed, 1_000_003) + seed) >>> 0 };
  const platform: PlatformConfigInput = { ...exp.platform, faults, ...(opts.trace ? { trace: true } : {}) };
  let session: Session | string;
  try {
    session = w.kind === 'quote' ? await openQuote(exp, spec, bytes, seed, platform, opts) : await openBufferCycle(exp, spec, bytes, seed, platform, opts);
  } catch (e) {
    if (e instanceof BootError) return { ...row, status: 'error', reason: e.message, wallMs: performance.now() - wall0 };
    throw e;
  }
  if (typeof session === 'string') return { ...row, status: 'n/a', reason: session, wallMs: performance.now() - wall0 };
  const s = session;
  const m = s.m;
  row.meta = s.meta;
  row.options = s.options;
  row.capabilities = s.capabilities;

  const t0 = m.sched.now();
  const i0 = m.sharedPageNs(t0);
  const latencies: number[] = [];
  const fail = (codes: string[]) => {
    for (const code of codes) row.errors[code] = (row.errors[code] ?? 0) + 1;
  };
  const client = (c: number) => async () => {
    for (let i = 0; i < w.requests; i++) {
      const start = m.sched.now();
      const errs = await s.request(c, i);
      fail(errs);
      if (errs.length === 0 || errs.every((e) => e === 'EDATA')) {
        latencies.push(m.sched.now() - start);
        row.completed++;
      }
    }
  };
  await m.sched.join(Array.from({ length: w.clients }, (_, c) => m.sched.spawn(`client${c}`, 'vcpu', c % m.config.vcpus, client(c), t0)));
  const endNs = m.sched.now();
  const bootShared = m.bootCounters.sharedPages;
  const meanPages = endNs > t0 ? (m.sharedPageNs(endNs) - i0) / (endNs - t0) - bootShared : 0;
  fail(await m.sched.join([m.sched.spawn('shutdown', 'vcpu', 0, () => s.close(), endNs)]).then(([r]) => r!));

  const counters = { ...m.counters };
  for (const k of Object.keys(counters) as (keyof Counters)[]) {
    if (!GAUGES.has(k)) counters[k] -= s.before[k];
  }
  latencies.sort((a, b) => a - b);
  if (latencies.length) {
    row.latencyNs = {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1]!,
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    };
  }
  row.serviceNs = s.serviceNs;
  if (row.latencyNs) row.overheadP50Ns = row.latencyNs.p50 - s.serviceNs;
  row.modeledNs = endNs - t0;
  row.throughputPerSec = row.modeledNs > 0 ? row.completed / (row.modeledNs / 1e9) : 0;
  row.counters = counters;
  row.directMap = m.meminfo();
  row.fragmentation = m.fragmentation();
  row.sharedBytes = { peak: (m.counters.sharedPagesPeak - bootShared) * 4096, mean: Math.max(0, meanPages) * 4096 };
  for (const v of m.violations) row.violations[v.invariant] = (row.violations[v.invariant] ?? 0) + 1;
  if (m.trace) {
    const pid = results.rows.length + 1;
    const t = m.trace.toJSON(m.config.vcpus, `${row.label} @ ${bytes} B, seed ${seed}`);
    for (const e of t.traceEvents) e.pid = pid;
    results.trace ??= { traceEvents: [], displayTimeUnit: 'ns' };
    results.trace.traceEvents.push(...t.traceEvents);
  }
  row.wallMs = performance.now() - wall0;
  return row;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
