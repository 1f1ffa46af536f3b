/**
 * One seed, one result: `tdx-shbuf run` twice in one process (the second time
 * with the quote service's PKI, QE and signatures already cached) writes the
 * same results.json and results.csv byte for byte, apart from wall-clock fields;
 * `tdx-shbuf quote` twice, each on freshly loaded modules (nothing cached, as in
 * two processes), writes the same verifiable quote.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseQuote, verifyQuote } from '@tdx-shbuf/tdx-formats';
import { describe, expect, it, vi } from 'vitest';
import { main, processIo } from '../index.js';

async function cli(cwd: string, ...argv: string[]): Promise<number> {
  return main(argv, { stdout: () => {}, stderr: processIo.stderr, readFile: processIo.readFile, cwd: () => cwd });
}

/** `cli` on a fresh copy of every module, so no cache of an earlier run is reused. */
async function freshCli(cwd: string, ...argv: string[]): Promise<number> {
  vi.resetModules();
  const fresh = (await import('../index.js')) as typeof import('../index.js');
  return fresh.main(argv, { stdout: () => {}, stderr: processIo.stderr, readFile: processIo.readFile, cwd: () => cwd });
}

/** A quote experiment small enough for a unit test, with a seeded fault plan so the seeds matter. */
const EXPERIMENT = `name: determinism
platform:
  memoryBytes: 2GiB
  vcpus: 2
  faults: { seed: 7, mapGpaInterruptRate: 0.5 }
workload:
  kind: quote
  requests: 4
  bytes: [8KiB]
strategies:
  - [direct-map, { convert: per-request }]
  - open-coded
  - [dma-swiotlb, { mode: streaming }]
seeds: [1, 2]
`;

/** results.json without its wall-clock part: everything under `timing` (docs/results-format.md). */
const withoutWallClock = (json: string) => JSON.stringify({ ...(JSON.parse(json) as object), timing: null }, null, 2);

describe('the same seed gives the same results', () => {
  it('run: results.json (apart from its timing) and results.csv are byte-identical', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-determinism-'));
    const file = path.join(dir, 'determinism.yaml');
    writeFileSync(file, EXPERIMENT);
    const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')];
    expect(await cli(dir, 'run', file, '--out', a, '--quiet')).toBe(0);
    expect(await cli(dir, 'run', file, '--out', b, '--quiet')).toBe(0);
    const [jsonA, jsonB] = [a, b].map((d) => readFileSync(path.join(d, 'results.json'), 'utf8')) as [string, string];
    expect(withoutWallClock(jsonB)).toBe(withoutWallClock(jsonA));
    const rows = (JSON.parse(jsonA) as { rows: { status: string; completed: number; errors: object }[] }).rows;
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(r).toMatchObject({ status: 'ok', completed: 4, errors: {} });
    expect(withoutWallClock(jsonA)).not.toBe(jsonA); // the blanking did blank something
    const csv = (d: string) => readFileSync(path.join(d, 'results.csv'), 'utf8').split('\n');
    // results.csv carries no wall-clock column at all (wall time lives only in results.json's timing)
    expect(csv(a)[0]!.split(',')).not.toContain('wall_ms');
    expect(csv(b)).toEqual(csv(a));
  });

  it('quote: the same config writes the same quote bytes, and they verify against the simulated root', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-determinism-'));
    writeFileSync(path.join(dir, 'tdx-shbuf.config.json'), JSON.stringify({ strategy: 'open-coded', platform: { memoryBytes: 2 ** 31, vcpus: 2 } }));
    const reportData = '5a'.repeat(64);
    expect(await freshCli(dir, 'quote', '--report-data', reportData, '-o', 'a.bin', '--root-out', 'root.pem')).toBe(0);
    expect(await freshCli(dir, 'quote', '--report-data', reportData, '-o', 'b.bin')).toBe(0);
    const [qa, qb] = ['a.bin', 'b.bin'].map((f) => new Uint8Array(readFileSync(path.join(dir, f))));
    expect(qb).toEqual(qa);
    expect(parseQuote(qa!).body.reportData).toEqual(new Uint8Array(64).fill(0x5a));
    expect(verifyQuote(qa!, { trustedRootPem: readFileSync(path.join(dir, 'root.pem'), 'latin1') }).failures).toEqual([]);
  });
});
