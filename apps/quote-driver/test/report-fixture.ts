/**
 * results.json v2 fixtures for the report tests (docs/results-format.md): the layout the runner
 * writes (rows point-major, `strategy` nested, `points`, `sensitivity`), with values of the size
 * the model produces (per-phase times from the cost defaults of docs/model.md §8, 4 ms quote
 * generation, 1 s polls). Deterministic: same input, same file.
 */

import { readFileSync } from 'node:fs';
import { Rng } from '../src/experiment/rng.js';
import type { ReportRow } from '../src/report/results-shape.js';

type Coordinates = Record<string, unknown>;
/** A v2 row: the report's row shape with the point and the strategy always present. */
export type FixtureRow = ReportRow & { id: string; coordinates: Coordinates; strategy: NonNullable<ReportRow['strategy']> };

export interface FixtureOptions {
  name: string;
  matrix: { key: string; values: unknown[] }[];
  strategies: string[];
  requests?: number;
  seeds?: number[];
}

/** Per-request phase times, µs, for `pages` 4 KiB pages: a sketch of each strategy's cost structure. */
function phasesUs(label: string, pages: number, requests: number): Record<string, number> {
  const convert = { nsMapGpa: 8, nsAccept: 2.5 * pages, nsHost: 17.5 * pages, nsCacheFlush: 0.09 * pages, nsTlbIpi: 12 };
  const quote = { nsTdcall: 0.7, nsTdvmcall: 4 };
  const once = (x: Record<string, number>) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v / requests]));
  if (label === 'direct-map' || label === 'shared-pool') return { ...once({ ...convert, nsSplit: 3.3 }), ...quote };
  if (label.startsWith('direct-map') || label.includes('coherent')) return { ...convert, nsSplit: 3.3 / requests, ...quote };
  if (label.startsWith('vmap-noalias')) return { ...convert, nsTlbIpi: 18, ...quote };
  if (label.includes('preallocateBytes') && pages <= 4) return { ...once(convert), ...quote };
  if (label.startsWith('open-coded')) return { ...convert, nsTlbIpi: 3.3, ...quote };
  if (label.includes('streaming')) return { nsCopy: (4 * pages * 4096) / 10 / 1000, ...quote };
  if (label.includes('atomic')) return { nsCopy: (pages * 4096) / 10 / 1000, ...quote };
  return { nsOther: 1, ...quote };
}

function cartesian(matrix: FixtureOptions['matrix']): Coordinates[] {
  return matrix.reduce<Coordinates[]>((acc, { key, values }) => acc.flatMap((c) => values.map((v) => ({ ...c, [key]: v }))), [{}]);
}

const MEM_KB = 16 * 1024 * 1024;

/** The runner's point label: `bytes=8 KiB, completion=poll`. */
const pointLabel = (c: Coordinates) =>
  Object.entries(c)
    .map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'number' && k.endsWith('bytes') ? (v >= 1048576 ? `${v / 1048576} MiB` : `${v / 1024} KiB`) : String(v)}`)
    .join(', ');

interface At {
  label: string;
  strategyIndex: number;
  pointIndex: number;
  coordinates: Coordinates;
  seed: number;
  requests: number;
}

function row({ label, strategyIndex, pointIndex, coordinates, seed, requests }: At): FixtureRow {
  const bytes = Number(coordinates['workload.bytes'] ?? 8192);
  const clients = Number(coordinates['workload.clients'] ?? 1);
  const poll = coordinates['workload.driver.completion'] === 'poll';
  const pages = Math.ceil(bytes / 4096);
  const index = pointIndex * 100 + strategyIndex;
  const base = {
    id: `p${pointIndex}-s${strategyIndex}-seed${seed}`,
    pointId: `p${pointIndex}`,
    coordinates,
    label: Object.keys(coordinates).length ? `${label} @ ${pointLabel(coordinates)}` : label,
    strategy: { label, spec: label, meta: { name: `@tdx-shbuf/strategy-${label.split(' ')[0]}`, version: '0.1.0' } },
    seed,
    requests: requests * clients,
    violations: {} as Record<string, number>,
    platform: { vcpus: 8, memoryBytes: 16 * 1024 ** 3, gbPages: true },
    cost: { tdvmcallRoundTripNs: 4000, acceptPer4kNs: 2500, quoteGenerationNs: 4_000_000 },
  };
  if (label.includes('streaming') && bytes > 256 * 1024) {
    return {
      ...base,
      status: 'n/a',
      reason: `Strategy "dma-swiotlb" cannot serve ${bytes}-byte buffers: it declares maxBytes 262144 (IO_TLB_SEGSIZE × IO_TLB_SIZE).`,
      completed: 0,
      errors: {},
      errorsUnexpected: false,
    };
  }
  const phases = phasesUs(label, pages, requests);
  const overheadUs = Object.values(phases).reduce((a, b) => a + b, 0);
  const serviceNs = 4_000_000;
  const jitter = new Rng(seed, index);
  const lat = Array.from({ length: requests * clients }, () => serviceNs + overheadUs * 1000 * (1 + 0.05 * jitter.next()) + (poll ? 1_000_000_000 - serviceNs : 0)).sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)]!;
  const completed = lat.length;
  const modeledNs = Math.round(lat.reduce((a, b) => a + b, 0) / clients);
  const counters: Record<string, number> = {
    mapGpaCalls: phases.nsMapGpa ? Math.round((phases.nsMapGpa / 4) * completed) : 0,
    pagesConvertedToShared: phases.nsAccept ? Math.round((phases.nsAccept / 2.5) * completed) : 0,
    pagesConvertedToPrivate: phases.nsAccept ? Math.round((phases.nsAccept / 2.5) * completed) : 0,
    directMapLevel2Splits: phases.nsSplit ? 1 : 0,
    directMapLevel3Splits: 0,
    tlbFlushFull: phases.nsTlbIpi ? Math.round(completed * (phases.nsTlbIpi / 12)) : 0,
    ipis: phases.nsTlbIpi ? Math.round(completed * phases.nsTlbIpi) : 0,
    bytesBounced: label.includes('streaming') ? 4 * bytes * completed : 0,
    leakedPages: 0,
    hazardUnalignedZeropad: label === 'open-coded' || label === 'vmap-noalias' ? completed : 0,
  };
  for (const [k, us] of Object.entries(phases)) counters[k] = Math.round(us * 1000 * completed);
  const split = phases.nsSplit ? 2048 : 0;
  const holds = label.includes('streaming') || label.includes('atomic') ? 0 : bytes * clients;
  const steady = label === 'direct-map' || label === 'shared-pool';
  const n = Math.min(requests, 60);
  const tNs = Array.from({ length: 2 * n + 1 }, (_, i) => Math.round((i / (2 * n)) * modeledNs));
  const series = {
    tNs,
    directMap4k: tNs.map((_, i) => 12_288 + (i > 0 ? split : 0)),
    directMap2M: tNs.map((_, i) => MEM_KB - 14 * 1024 * 1024 - 12_288 - (i > 0 ? split : 0)),
    directMap1G: tNs.map(() => 14 * 1024 * 1024),
    sharedBytes: tNs.map((_, i) => (steady ? holds : i % 2 === 1 ? holds : 0)),
  };
  const cdf = lat.map((ns, i): [number, number] => [Math.round(ns), (i + 1) / lat.length]).filter((_, i, all) => i === all.length - 1 || all[i + 1]![0] !== all[i]![0]);
  const p50 = pct(50);
  return {
    ...base,
    status: 'ok' as const,
    completed,
    errors: {} as Record<string, number>,
    errorsUnexpected: false,
    latencyNs: { p50, p95: pct(95), p99: pct(99), max: lat[lat.length - 1]!, mean: lat.reduce((a, b) => a + b, 0) / lat.length, cdf },
    overheadNs: {
      p50: p50 - serviceNs,
      p95: pct(95) - serviceNs,
      p99: pct(99) - serviceNs,
      max: lat[lat.length - 1]! - serviceNs,
      mean: lat.reduce((a, b) => a + b, 0) / lat.length - serviceNs,
      cdf: cdf.map(([ns, f]): [number, number] => [ns - serviceNs, f]),
    },
    serviceNs,
    overheadP50Ns: p50 - serviceNs,
    throughputPerSec: completed / (modeledNs / 1e9),
    modeledNs,
    counters,
    directMap: { DirectMap4k: series.directMap4k.at(-1)!, DirectMap2M: series.directMap2M.at(-1)!, DirectMap1G: series.directMap1G.at(-1)! },
    sharedBytes: { peak: holds, mean: steady ? holds : holds / 2 },
    series,
  };
}

/** A v2 results object for `opts`: every strategy at every matrix point, for every seed. */
export function fixtureResults(opts: FixtureOptions) {
  const requests = opts.requests ?? 50;
  const seeds = opts.seeds ?? [1];
  const points = cartesian(opts.matrix).map((coordinates, i) => ({ id: `p${i}`, label: pointLabel(coordinates), coordinates }));
  const rows: FixtureRow[] = [];
  // Point-major, then strategy in the experiment's order, then seed: the runner's plan order.
  points.forEach((p, pointIndex) => {
    opts.strategies.forEach((label, strategyIndex) => {
      for (const seed of seeds) rows.push(row({ label, strategyIndex, pointIndex, coordinates: p.coordinates, seed, requests }));
    });
  });
  return {
    schemaVersion: 2,
    generator: { name: 'tdx-shbuf', version: '0.0.0' },
    name: opts.name,
    description: `fixture: ${opts.strategies.length} strategies over ${opts.matrix.map((m) => m.key).join(' × ')}`,
    experiment: { name: opts.name, workload: { kind: 'quote', requests }, strategies: opts.strategies },
    experimentHash: '0'.repeat(64),
    matrix: opts.matrix,
    points,
    strategies: opts.strategies.map((label) => ({ label, spec: label })),
    seeds,
    rows,
    timing: { startedAt: '2026-05-01T12:00:00.000Z', wallMs: 4321, jobs: 2, perRowWallMs: Object.fromEntries(rows.map((r) => [r.id, 12.5])) },
  };
}

export const SEED_STRATEGIES = [
  'direct-map',
  'direct-map {convert: "per-request"}',
  'vmap-noalias',
  'vmap-noalias {guardPage: true}',
  'open-coded',
  'open-coded {preallocateBytes: 16384}',
  'dma-swiotlb {mode: "streaming"}',
  'dma-swiotlb {mode: "coherent"}',
  'dma-swiotlb {mode: "atomic"}',
  'shared-pool',
];

/** The seed thread's question: every strategy, 8 KiB and 128 KiB, interrupt and poll; plus an error, a leak and a violation to flag. */
export function seedFixture() {
  const res = fixtureResults({
    name: 'seed-thread',
    matrix: [
      { key: 'workload.bytes', values: [8192, 131072] },
      { key: 'workload.driver.completion', values: ['interrupt', 'poll'] },
    ],
    strategies: SEED_STRATEGIES,
  });
  const bad = res.rows.find((r) => r.strategy.label === 'vmap-noalias' && r.status === 'ok')!;
  Object.assign(bad, { errors: { EIO: 2 }, errorsUnexpected: true, violations: { '4': 1 } });
  bad.counters!.leakedPages = 3;
  const ranking = (labels: string[]) => labels.map((l) => [l]);
  const cheap = ['dma-swiotlb {mode: "atomic"}', 'direct-map', 'dma-swiotlb {mode: "streaming"}'];
  const sensitivity = {
    metric: 'overheadP50Ns',
    tolerance: { relative: 0.02, absoluteNs: 100 },
    bisectSteps: 8,
    parameters: [
      { name: 'bounceBytesPerNs', low: 2.5, high: 40, basis: 'assumption', note: 'no TDX source; ×0.25–×4' },
      { name: 'tdvmcallRoundTripNs', low: 1000, high: 16000, basis: 'proxy', note: 'SEV-SNP VMGEXIT figure, no TDX measurement; ×0.25–×4' },
    ],
    points: [
      { pointId: 'p0', label: 'bytes=8 KiB, completion=interrupt', coordinates: res.points[0]!.coordinates, ranking: ranking(cheap), holds: true, parameters: [] },
      {
        pointId: 'p2',
        label: 'bytes=128 KiB, completion=interrupt',
        coordinates: res.points[2]!.coordinates,
        ranking: ranking(cheap),
        holds: false,
        parameters: [
          {
            name: 'bounceBytesPerNs',
            low: { value: 2.5, ranking: ranking([cheap[1]!, cheap[0]!, cheap[2]!]), holds: false },
            high: { value: 40, ranking: ranking(cheap), holds: true },
            flip: { side: 'low', value: 4.727, lastHolding: 4.75, ranking: ranking([cheap[1]!, cheap[0]!, cheap[2]!]), swapped: ['direct-map', 'dma-swiotlb {mode: "atomic"}'] },
          },
        ],
      },
    ],
  };
  return { ...res, sensitivity };
}

/** GHCI service buffers: several clients, 8 KiB to 4 MiB (streaming is n/a past 256 KiB). */
export function ghciFixture() {
  return fixtureResults({
    name: 'ghci-service',
    matrix: [
      { key: 'workload.bytes', values: [8192, 262144, 1048576, 4194304] },
      { key: 'workload.clients', values: [1, 4] },
    ],
    strategies: ['direct-map {convert: "per-request"}', 'vmap-noalias', 'open-coded', 'dma-swiotlb {mode: "streaming"}', 'dma-swiotlb {mode: "coherent"}', 'dma-swiotlb {mode: "atomic"}'],
    requests: 25,
  });
}

/** A v1 results file as `tdx-shbuf run` wrote it before schema 2: no coordinates, series, CDF or phase counters. */
export function v1Results() {
  const res = seedFixture();
  const rows = res.rows.map((r) => {
    const old: Record<string, unknown> = { ...r, label: r.strategy.label, spec: r.strategy.spec, meta: r.strategy.meta, bytes: r.coordinates['workload.bytes'], clients: 1, wallMs: 12.5 };
    for (const k of ['coordinates', 'series', 'errorsUnexpected', 'id', 'pointId', 'strategy', 'overheadNs']) delete old[k];
    if (r.latencyNs) old.latencyNs = { p50: r.latencyNs.p50, p95: r.latencyNs.p95, p99: r.latencyNs.p99, max: r.latencyNs.max, mean: r.latencyNs.mean };
    if (r.counters) old.counters = Object.fromEntries(Object.entries(r.counters).filter(([k]) => !k.startsWith('ns')));
    return old;
  });
  return { name: 'seed-thread', description: 'v1', startedAt: '2026-01-01T00:00:00Z', workload: { kind: 'quote' }, rows };
}

/**
 * A real results.json v2: written by the runner of branch experiments-runner (72f644f) for four
 * strategies × {8 KiB, 128 KiB} × {interrupt, poll}, two clients of three quotes, with
 * `--sensitivity`; minified. It pins the report to what the runner actually writes.
 */
export function runnerResults(): unknown {
  return JSON.parse(readFileSync(new URL('./fixtures/results-v2-runner.json', import.meta.url), 'utf8'));
}
