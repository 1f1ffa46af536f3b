import { describe, expect, it } from 'vitest';
import { parseResults, workNs } from './results-rows.js';

const v2 = {
  schemaVersion: 2,
  name: 'x',
  matrix: [{ key: 'workload.bytes' }, { key: 'workload.clients' }],
  points: [{ id: 'p0', label: 'bytes=8 KiB, clients=4' }],
  rows: [
    {
      pointId: 'p0',
      coordinates: { 'workload.bytes': 8192, 'workload.clients': 4 },
      strategy: { label: 'shared-pool' },
      status: 'ok',
      requests: 40,
      overheadP50Ns: 800,
      overheadNs: { mean: 900 },
      errors: {},
    },
  ],
};

describe('parseResults', () => {
  it('reads a v2 row with its point label, coordinates and strategy label', () => {
    const r = parseResults(JSON.stringify(v2));
    expect(r.axes).toEqual(['workload.bytes', 'workload.clients']);
    expect(r.rows[0]).toMatchObject({ point: 'bytes=8 KiB, clients=4', strategy: 'shared-pool', overheadMeanNs: 900, requests: 40 });
  });

  it('reads a v1 row as a sweep over workload.bytes, its mean overhead from latency minus service time', () => {
    const v1 = { name: 'old', rows: [{ label: 'direct-map', bytes: 131072, status: 'ok', requests: 5, latencyNs: { mean: 4_010_000 }, serviceNs: 4_000_000, errors: {} }] };
    const r = parseResults(JSON.stringify(v1));
    expect(r.axes).toEqual(['workload.bytes']);
    expect(r.rows[0]).toMatchObject({ point: 'bytes=128 KiB', strategy: 'direct-map', overheadMeanNs: 10_000, coordinates: { 'workload.bytes': 131072 } });
  });

  it('refuses what is not a results.json of version 1 or 2, in one line', () => {
    expect(() => parseResults('{"name":"x"}')).toThrow(/^no "rows" array/);
    expect(() => parseResults(JSON.stringify({ ...v2, schemaVersion: 3 }))).toThrow(/^schemaVersion 3/);
    expect(() => parseResults(JSON.stringify({ ...v2, rows: [{ status: 'ok' }] }))).toThrow(/^rows\[0\]: no strategy label/);
  });
});

describe('workNs', () => {
  it('sums the ns* phase counters and nothing else', () => {
    expect(workNs({ nsMapGpa: 4000, nsAccept: 2500, nsHost: 0.5, ipis: 7, ipiSendExits: 1, lazyAcceptNs: 2500 })).toBe(6500.5);
  });
});
