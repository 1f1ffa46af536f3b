import { describe, expect, it } from 'vitest';
import { parseExperiment } from './experiment-schema.js';
import { applyPoint, axesOf, didYouMean, enumeratePoints, sweepableKeys } from './matrix.js';
import { checkLimits } from './limits.js';

const exp = (extra: Record<string, unknown>) => parseExperiment({ name: 'm', strategies: ['direct-map'], ...extra }, 'm.yaml');

describe('matrix keys', () => {
  it('offer every platform (cost, faults) and workload (driver, arrival) key', () => {
    const keys = sweepableKeys();
    for (const k of [
      'platform.vcpus',
      'platform.memoryBytes',
      'platform.cost.tdvmcallRoundTripNs',
      'platform.faults.mapGpaFailRate',
      'platform.faults.quoteService.extraLatencyNs',
      'workload.clients',
      'workload.requests',
      'workload.bytes',
      'workload.arrival',
      'workload.arrival.ratePerSec',
      'workload.driver.completion',
      'workload.driver.requests',
      'workload.driver.pollIntervalMs',
    ])
      expect(keys, k).toContain(k);
    expect(keys).not.toContain('name');
    expect(keys).not.toContain('workload.driver.bufferBytes');
  });

  it('a typo is one line naming the key and the nearest one', () => {
    expect(() => axesOf(exp({ matrix: { 'platform.vcpu': [1, 8] } }), 'm.yaml')).toThrow(/^m\.yaml: matrix\.platform\.vcpu: unknown key \(did you mean platform\.vcpus\?\)$/);
    expect(() => axesOf(exp({ matrix: { 'workload.driver.complete': ['poll'] } }), 'm.yaml')).toThrow(/did you mean workload\.driver\.completion\?/);
    expect(() => axesOf(exp({ matrix: { nonsense: [1] } }), 'm.yaml')).toThrow(/^m\.yaml: matrix\.nonsense: unknown key$/);
    expect(() => axesOf(exp({ matrix: { 'workload.clients': [1, 1] } }), 'm.yaml')).toThrow(/listed twice/);
    expect(() => axesOf(exp({ workload: { bytes: [4096, 8192] }, matrix: { 'workload.bytes': [4096] } }), 'm.yaml')).toThrow(/not both/);
    expect(() => parseExperiment({ name: 'm', strategies: ['direct-map'], matrix: { 'platform.vcpus': [] } }, 'm.yaml')).toThrow(/^m\.yaml: matrix\.platform\.vcpus: /);
    expect(didYouMean('zzzzzz', ['platform.vcpus'])).toBe('');
  });

  it('points: the cross product, last axis fastest, a workload.bytes list first, labelled by short keys', () => {
    const e = exp({ workload: { bytes: ['4KiB', '8KiB'] }, matrix: { 'platform.vcpus': [2, 4], 'platform.cost.tdcallNs': [700, 1400] } });
    const axes = axesOf(e, 'm.yaml');
    expect(axes.map((a) => a.key)).toEqual(['workload.bytes', 'platform.vcpus', 'platform.cost.tdcallNs']);
    const points = enumeratePoints(axes);
    expect(points).toHaveLength(8);
    expect(points[0]).toEqual({ id: 'p0', index: 0, label: 'bytes=4 KiB, vcpus=2, tdcallNs=700', coordinates: { 'workload.bytes': 4096, 'platform.vcpus': 2, 'platform.cost.tdcallNs': 700 } });
    expect(points[1]!.coordinates['platform.cost.tdcallNs']).toBe(1400);
    expect(points[7]!.label).toBe('bytes=8 KiB, vcpus=4, tdcallNs=1400');
    expect(enumeratePoints([])).toEqual([{ id: 'p0', index: 0, label: '', coordinates: {} }]);
  });

  it('applies a point and validates it again, naming the matrix key of a bad value', () => {
    const e = exp({ platform: { memoryBytes: '2GiB' }, matrix: { 'platform.vcpus': [2, 2000], 'workload.driver.completion': ['interrupt'] } });
    const [p0, p1] = enumeratePoints(axesOf(e, 'm.yaml'));
    const at = applyPoint(e, p0!, 'm.yaml');
    expect(at.platform.vcpus).toBe(2);
    expect(at.platform.memoryBytes).toBe(2 ** 31);
    expect(at.workload.driver.completion).toBe('interrupt');
    expect(at.matrix).toEqual({});
    expect(() => applyPoint(e, p1!, 'm.yaml')).toThrow(/^m\.yaml: matrix\.platform\.vcpus = 2000: .*1024/);
  });
});

describe('experiment limits', () => {
  const limit = (extra: Record<string, unknown>) => () => checkLimits(exp(extra), 'm.yaml');
  it('refuse what the model cannot serve, in one line naming the key and the range', () => {
    expect(limit({ workload: { clients: 1000, requests: 1_000_000 } })).toThrow(/^m\.yaml: workload\.requests: clients × requests = 1000 × 1000000 = 1000000000; at most 10000000 per run$/);
    expect(limit({ platform: { memoryBytes: '2GiB' }, workload: { bytes: '1GiB' } })).toThrow(/^m\.yaml: workload\.bytes: 1 GiB per buffer; a 2 GiB guest serves 1 B to 512 MiB/);
    expect(limit({ workload: { kind: 'quote', bytes: 5000 } })).toThrow(/workload\.bytes: 5000 is not a multiple of 4096/);
    expect(limit({ workload: { kind: 'quote', bytes: { kind: 'uniform', min: 4096, max: 8192 } } })).toThrow(/quote workload takes one size/);
    expect(limit({ workload: { kind: 'quote', driver: { pollIntervalMs: 0.001 } } })).toThrow(/^m\.yaml: workload\.driver\.pollIntervalMs: 0\.001 ms polls 30000000 times/);
    // below the driver schema's range: refused with the range before any limit is looked at
    expect(limit({ workload: { kind: 'quote', driver: { pollIntervalMs: 0.00001 } } })).toThrow(
      /^m\.yaml: workload\.driver\.pollIntervalMs: must be a number in \[0\.001, 3600000\] ms \(got 0\.00001\)$/,
    );
    expect(limit({ workload: { bytes: { kind: 'uniform', min: 8192, max: 4096 } } })).toThrow(/workload\.bytes\.min: 8192 is more than max 4096/);
    expect(limit({ workload: { bytes: { kind: 'choice', values: [4096, 8192], weights: [1] } } })).toThrow(/workload\.bytes\.weights: 1 weights for 2 values/);
    expect(limit({ workload: { clients: 4, arrival: { kind: 'poisson', ratePerSec: 1e-7 } } })).toThrow(/workload\.arrival\.ratePerSec/);
    expect(() => exp({ workload: { arrival: { kind: 'poisson', ratePerSec: 0 } } })).toThrow(/^m\.yaml: workload\.arrival\.ratePerSec: /);
    expect(limit({ workload: { clients: 4, requests: 1000, bytes: { kind: 'lognormal', median: 8192, sigma: 1, max: '1MiB' } } })).not.toThrow();
  });
});
