/**
 * experiments/hostile-host.yaml exercises every hostile behaviour and its
 * report says, per strategy, what was served, the errors by kind, the pages
 * leaked and the violations (none).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../../src/experiment/load-experiment.js';
import { renderHtml, renderTable } from '../../src/experiment/render.js';
import { runExperiment } from '../../src/experiment/runner.js';

const FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../experiments/hostile-host.yaml');

describe('experiments/hostile-host.yaml', () => {
  it('runs every strategy against every misbehaviour: no violation, errors of each kind, leaks where conversions fail, a report by strategy', async () => {
    const exp = await loadExperimentFile(FILE);
    const res = await runExperiment(exp, { fromDir: path.dirname(FILE), conditions: ['source', 'import', 'default'] });
    const ran = res.rows.filter((r) => r.status === 'ok');
    // upstream's single buffer cannot serve 20 parallel clients: listed as not run, with the reason
    expect(res.rows.filter((r) => r.label === 'direct-map').map((r) => [r.status, r.reason])).toEqual(exp.seeds.map(() => ['n/a', expect.stringMatching(/cannot serve parallel requests/)]));
    expect(ran.length).toBeGreaterThanOrEqual(exp.seeds.length * (exp.strategies.length - 2));
    for (const r of ran) {
      expect(r.violations, r.label).toEqual({});
      expect(r.completed, r.label).toBeGreaterThan(r.requests / 2);
      // EIO: refused or stormed conversions and RETRY past 16 in flight; EFBIG: out_len past the buffer;
      // EDATA: a copy-out the host rewrote; ETIMEDOUT: answers after the guest gave up
      for (const errno of ['EIO', 'EFBIG', 'EDATA', 'ETIMEDOUT']) expect(r.errors[errno] ?? 0, `${r.label} seed ${r.seed}: ${errno}`).toBeGreaterThan(0);
      expect(r.counters!.mapGpaRetries + (r.label.includes('streaming') ? 1 : 0), r.label).toBeGreaterThan(0);
    }
    // strategies that convert per request leak what a refused conversion left shared; the bounce buffer never converts
    expect(ran.filter((r) => /per-request|vmap|open-coded|coherent/.test(r.label)).every((r) => r.counters!.leakedPages > 0)).toBe(true);
    expect(ran.filter((r) => r.label.includes('streaming')).every((r) => r.counters!.leakedPages === 0)).toBe(true);
    const table = renderTable(res);
    expect(table).toMatch(/served and errors by kind:\n {2}direct-map \{convert: "per-request"\} @ 128 KiB, seed 1: \d+\/200 served; EIO × \d+/);
    expect(table.split('\n')[0]).toMatch(/leaked +served +errors +violations$/);
    expect(renderHtml(res)).toContain('<h2>Served and errors by kind</h2>');
  }, 120_000);
});
