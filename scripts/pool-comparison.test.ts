import { describe, expect, it } from 'vitest';
import type { ResultRow } from './results-rows.js';
import { breakEven, renderBreakEven, where } from './pool-comparison.js';

/** A row of n requests whose run charged `oneTime` once and `perRequest` per request (split over two phases). */
function row(strategy: string, n: number, oneTime: number, perRequest: number, pointId = 'p0'): ResultRow {
  return {
    pointId,
    point: pointId === 'p0' ? 'bytes=8 KiB' : 'bytes=1 MiB',
    coordinates: { 'workload.bytes': pointId === 'p0' ? 8192 : 1048576 },
    strategy,
    status: 'ok',
    requests: n,
    // every request also waits 3 µs for the notify interrupt: in its overhead, in no counter
    overheadP50Ns: perRequest + 3000,
    counters: { nsHost: oneTime, nsMapGpa: n * perRequest, ipis: 99 },
    errors: {},
  };
}

describe('breakEven', () => {
  it('recovers the one-time difference from the run totals and divides it by the per-request saving', () => {
    const b = breakEven(row('shared-pool', 10, 20_000_000, 800), row('open-coded', 10, 0, 100_000))!;
    expect(b.oneTimeNs).toBeCloseTo(20_000_000, 6);
    expect(b.savingNs).toBe(99_200);
    expect(b.requests).toBe(Math.ceil(20_000_000 / 99_200));
  });

  it('is never against a rival as cheap per request, and 0 when the pool is cheaper once and per request', () => {
    expect(breakEven(row('shared-pool', 10, 20_000_000, 800), row('direct-map', 10, 100_000, 0))!.requests).toBe(Number.POSITIVE_INFINITY);
    expect(breakEven(row('shared-pool', 10, 0, 800), row('other', 10, 5_000, 900))!.requests).toBe(0);
  });

  it('has nothing to say when either did not run or their request counts differ', () => {
    expect(breakEven(row('shared-pool', 10, 1, 1), { ...row('x', 10, 1, 1), status: 'n/a' })).toBeUndefined();
    expect(breakEven(row('shared-pool', 10, 1, 1), row('x', 20, 1, 1))).toBeUndefined();
  });
});

describe('renderBreakEven', () => {
  it('compares the pool only with other strategies at its own point, not with its own variants', () => {
    const res = {
      name: 'x',
      axes: ['workload.bytes'],
      rows: [row('shared-pool', 10, 2e7, 800), row('shared-pool {shrinkIdleMs: 0}', 10, 0, 2e7), row('open-coded', 10, 0, 1e5), row('open-coded', 10, 0, 1e5, 'p1')],
    };
    const lines = renderBreakEven(res, 'shared-pool').split('\n').slice(2);
    expect(lines).toEqual(['| bytes=8 KiB | open-coded | 20000 | 99.2 | 202 |']);
  });
});

describe('where', () => {
  it('keeps the rows whose coordinate prints as the value and drops the filtered axis', () => {
    const res = { name: 'x', axes: ['workload.bytes'], rows: [row('a', 1, 0, 0), row('a', 1, 0, 0, 'p1')] };
    const kept = where(res, [['workload.bytes', '1 MiB']]);
    expect(kept.rows.map((r) => r.pointId)).toEqual(['p1']);
    expect(kept.axes).toEqual([]);
  });
});
