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
    const policy = (r: (typeof res.rows)[number]) => r.coordinates['workload.driver.requests'];
    const ran = res.rows.filter((r) => r.status === 'ok');
    // nothing the experiment does not expect, and never a violation
    for (const r of res.rows) {
      expect(r.violations, r.label).toEqual({});
      expect(r.errorsUnexpected, `${r.label}: ${JSON.stringify(r.errors)}`).toBe(false);
    }
    // upstream's single buffer cannot serve 20 parallel clients: listed as not run, with the reason
    const upstreamParallel = res.rows.filter((r) => r.strategy.label === 'direct-map' && policy(r) === 'parallel');
    expect(upstreamParallel.map((r) => [r.status, r.reason])).toEqual(exp.seeds.map(() => ['n/a', expect.stringMatching(/cannot serve parallel requests/)]));
    expect(ran.length).toBeGreaterThanOrEqual(2 * exp.seeds.length * (exp.strategies.length - 1) - 4);
    for (const r of ran.filter((x) => policy(x) === 'parallel')) {
      expect(r.completed, r.label).toBeGreaterThan(r.requests / 2);
      // EIO: refused or stormed conversions and RETRY past 16 in flight; EFBIG: out_len past the buffer;
      // EDATA: a copy-out the host rewrote; ETIMEDOUT: answers after the guest gave up
      for (const errno of ['EIO', 'EFBIG', 'EDATA', 'ETIMEDOUT']) expect(r.errors[errno] ?? 0, `${r.label}: ${errno}`).toBeGreaterThan(0);
    }
    // upstream's one buffer: a host that holds a request starves every later one (EBUSY) until it answers
    for (const r of ran.filter((x) => policy(x) === 'serialized')) {
      expect(r.completed, r.label).toBeGreaterThan(0);
      expect(r.errors.ETIMEDOUT, r.label).toBeGreaterThan(0);
      expect(r.errors.EBUSY, r.label).toBeGreaterThan(r.requests / 2);
    }
    // strategies that convert per request leak what a refused conversion left shared; the bounce buffer never converts
    const parallel = ran.filter((r) => policy(r) === 'parallel');
    expect(parallel.filter((r) => /per-request|vmap|open-coded|coherent/.test(r.label)).every((r) => r.counters!.leakedPages > 0)).toBe(true);
    expect(ran.filter((r) => r.label.includes('streaming')).every((r) => r.counters!.leakedPages === 0)).toBe(true);
    const table = renderTable(res);
    expect(table.split('\n')[0]).toMatch(/leaked +served +errors +violations$/);
    expect(table).toMatch(/\n(open-coded|vmap-noalias) +parallel .* \d+ +\d+ EIO, /);
    expect(await renderHtml(res)).toContain('served');
  }, 120_000);
});
