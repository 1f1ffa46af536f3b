import { describe, expect, it } from 'vitest';
import { ghciFixture, seedFixture, v1Results } from '../../../test/report-fixture.js';
import { buildModel, type ReportModel } from '../model.js';
import { parseResults } from '../results-shape.js';
import { renderSvg } from '../svg.js';
import type { Figure } from './common.js';
import { logScale } from './common.js';
import { errorsFigure } from './errors.js';
import { latencyFigure } from './latency.js';
import { phasesFigure, phaseLabel } from './phases.js';
import { sweepFigures } from './sweep.js';
import { directMapFigures, sharedFigures } from './timeline.js';

const model = (x: unknown) => buildModel(parseResults(JSON.stringify(x)));
const all = (m: ReportModel): Figure[] => [phasesFigure(m), latencyFigure(m), ...sweepFigures(m), ...directMapFigures(m), ...sharedFigures(m), errorsFigure(m)];

/** Mark items (bars, lines, points, areas, texts) in a rendered SVG — axes and legends are not marks. */
const marks = (svg: string) => (svg.match(/role="graphics-symbol"/g) ?? []).length;

describe('charts from v2 results', () => {
  it('every figure renders to SVG with marks and no Vega warning', async () => {
    for (const fixture of [seedFixture(), ghciFixture()]) {
      const figs = all(model(fixture));
      for (const f of figs.filter((f) => f.spec)) {
        const warnings: string[] = [];
        const svg = await renderSvg(f.spec!, f.id, (w) => warnings.push(w));
        expect(warnings, f.id).toEqual([]);
        expect(marks(svg), f.id).toBeGreaterThan(0);
        expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing to fetch
      }
    }
  });

  it('the phase breakdown stacks each phase’s time per completed request, and names the phases', () => {
    const f = phasesFigure(model(seedFixture()));
    const bars = (f.spec as unknown as { vconcat: { hconcat: { layer?: { data: { values: { strategy: string; phase: string; us: number; point: string }[] } }[] }[] }[] }).vconcat[0]!.hconcat[0]!
      .layer![0]!.data.values;
    const res = seedFixture();
    const row = res.rows.find((r) => r.strategy.label === 'direct-map {convert: "per-request"}' && r.status === 'ok')!;
    const mapGpa = bars.find((b) => b.strategy === 'direct-map convert=per-request' && b.phase === 'MapGPA')!;
    expect(mapGpa.us).toBeCloseTo(row.counters!.nsMapGpa! / row.completed / 1000, 9);
    expect(phaseLabel('nsTlbIpi')).toBe('TLB flush + IPIs');
    expect(phaseLabel('nsPageZeroing')).toBe('page zeroing');
  });

  it('one sweep chart per swept axis: lines for sizes, a dumbbell for poll/interrupt; p99 and throughput only where requests compete', () => {
    const seed = sweepFigures(model(seedFixture()));
    expect(seed.map((f) => f.id)).toEqual(['sweep-workload-bytes-overheadUs', 'sweep-workload-driver-completion-overheadUs']);
    expect(JSON.stringify(seed[0]!.spec)).toMatch(/"type":"line"/);
    expect(JSON.stringify(seed[1]!.spec)).toMatch(/"layer"/);
    expect(sweepFigures(model(ghciFixture())).map((f) => f.id)).toEqual([
      'sweep-workload-bytes-overheadUs',
      'sweep-workload-clients-overheadUs',
      'sweep-workload-clients-p99Us',
      'sweep-workload-clients-throughput',
    ]);
  });

  it('one direct-map and one shared-memory figure per sweep point', () => {
    const m = model(ghciFixture());
    expect(directMapFigures(m)).toHaveLength(m.points.length);
    expect(sharedFigures(m)).toHaveLength(m.points.length);
  });

  it('errors, leaks and violations: only runs with some; a sentence when there are none', () => {
    const f = errorsFigure(model(seedFixture()));
    const values = (f.spec as unknown as { data: { values: { run: string; kind: string; n: number }[] } }).data.values;
    expect(values).toEqual([
      { run: 'vmap-noalias @ 8 KiB · interrupt ⚠', kind: 'failed: EIO', n: 2 },
      { run: 'vmap-noalias @ 8 KiB · interrupt ⚠', kind: 'leaked pages', n: 3 },
      { run: 'vmap-noalias @ 8 KiB · interrupt ⚠', kind: 'violation: invariant 4', n: 1 },
    ]);
    const clean = errorsFigure(model(ghciFixture()));
    expect(clean.spec).toBeUndefined();
    expect(clean.omitted).toMatch(/No run failed a request/);
  });
});

describe('charts from v1 results (tdx-shbuf report <old dir>)', () => {
  it('fall back to what the file has, and say what is not drawn', async () => {
    const m = model(v1Results());
    const figs = all(m);
    const byId = new Map(figs.map((f) => [f.id, f]));
    expect(byId.get('phases')!.caption).toMatch(/no time-by-phase counters/);
    expect(byId.get('latency')!.caption).toMatch(/no latency CDF/);
    expect(byId.get('direct-map-0')!.caption).toMatch(/no series/);
    expect(byId.get('shared-0')!.caption).toMatch(/no series/);
    for (const f of figs.filter((f) => f.spec)) expect(marks(await renderSvg(f.spec!, f.id)), f.id).toBeGreaterThan(0);
  });

  it('a file with no completed run omits every chart with a reason instead of drawing empty axes', () => {
    const res = v1Results();
    for (const r of res.rows)
      Object.assign(r, {
        status: 'n/a',
        reason: 'cannot serve',
        completed: 0,
        latencyNs: undefined,
        overheadP50Ns: undefined,
        counters: undefined,
        directMap: undefined,
        sharedBytes: undefined,
        errors: {},
        violations: {},
      });
    const figs = all(model(res)).filter((f) => !f.id.startsWith('sweep'));
    for (const f of figs) expect(f.omitted, f.id).toMatch(/\w/);
  });
});

describe('log axes', () => {
  it('tick at powers of ten across decades, and at 1-2-5 inside one or two', () => {
    expect(logScale([6.8, 85]).ticks).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logScale([6.8, 851]).ticks).toEqual([1, 10, 100, 1000]);
    expect(logScale([5, 996_000]).ticks).toEqual([1, 10, 100, 1000, 10_000, 100_000, 1_000_000]);
  });
});
