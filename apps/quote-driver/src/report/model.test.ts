import { describe, expect, it } from 'vitest';
import { ghciFixture, runnerResults, SEED_STRATEGIES, seedFixture } from '../../test/report-fixture.js';
import { buildModel } from './model.js';
import { parseResults, type ReportResults } from './results-shape.js';

const parse = (x: unknown) => parseResults(JSON.stringify(x));

describe('the report model', () => {
  it('v2: axes from the matrix in its order, every row at its point, phases in the cost model’s order', () => {
    const m = buildModel(parse(seedFixture()));
    expect(m.axes.map((a) => [a.key, a.title, a.numeric])).toEqual([
      ['workload.bytes', 'buffer size', true],
      ['workload.driver.completion', 'completion', false],
    ]);
    expect(m.points).toEqual(['8 KiB · interrupt', '8 KiB · poll', '128 KiB · interrupt', '128 KiB · poll']);
    expect(m.strategies).toEqual(SEED_STRATEGIES);
    expect(m.phases.slice(0, 3)).toEqual(['nsMapGpa', 'nsAccept', 'nsTlbIpi']);
    expect(m.rows.every((r) => m.points.includes(r.point))).toBe(true);
  });

  it('the runner’s own file: strategies from `strategy.label` (rows are labelled with their point), points in matrix order', () => {
    const m = buildModel(parse(runnerResults()));
    expect(m.strategies).toEqual(['direct-map', 'dma-swiotlb {mode: "streaming"}', 'open-coded', 'dma-swiotlb {mode: "coherent"}']);
    expect(m.points).toEqual(['8 KiB · interrupt', '8 KiB · poll', '128 KiB · interrupt', '128 KiB · poll']);
    expect(m.rows[0]!.row.label).toBe('direct-map @ bytes=8 KiB, completion=interrupt');
    expect(m.rows[0]!.strategy).toBe('direct-map');
  });

  it('a matrix key with one value is not an axis', () => {
    const res = ghciFixture();
    res.matrix.push({ key: 'workload.requests', values: [25] });
    expect(buildModel(parse(res)).axes.map((a) => a.key)).toEqual(['workload.bytes', 'workload.clients']);
  });

  it('v1 (no coordinates): the point comes from bytes, and a fixed client count is no axis', () => {
    const v1 = {
      name: 'old',
      description: '',
      startedAt: '2026-01-01T00:00:00Z',
      rows: [8192, 131072].map((bytes) => ({ label: 'direct-map', bytes, clients: 1, seed: 1, status: 'ok', requests: 3, completed: 3, errors: {}, violations: {}, counters: { mapGpaCalls: 2 } })),
    };
    const m = buildModel(parse(v1));
    expect(m.axes.map((a) => a.key)).toEqual(['workload.bytes']);
    expect(m.rows.map((r) => r.point)).toEqual(['8 KiB', '128 KiB']);
    expect(m.phases).toEqual([]);
  });

  it('unknown phase counters follow the known ones', () => {
    const res = parse(seedFixture()) as ReportResults;
    res.rows[0]!.counters!.nsZeroing = 5;
    expect(buildModel(res).phases.at(-1)).toBe('nsZeroing');
  });
});

describe('parseResults', () => {
  it('names the first wrong key', () => {
    const bad = seedFixture() as unknown as { rows: { status: string }[] };
    bad.rows[3]!.status = 'fine';
    expect(() => parse(bad)).toThrow(/^not a tdx-shbuf results file: rows\.3\.status: /);
    expect(() => parseResults('{')).toThrow(/^not JSON/);
    expect(() => parse({ rows: [] })).toThrow(/name/);
  });
});
