import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from './experiment-schema.js';
import { runExperiment } from './runner.js';
import { renderTable, toCsv } from './render.js';
import { main } from '../main.js';

const conditions = ['source', 'import', 'default'];
const here = path.dirname(new URL(import.meta.url).pathname);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), readFile: (p: string) => new Uint8Array(readFileSync(p)) } };
}

describe('experiment files', () => {
  it('accept sizes as "8KiB" and fill every default', () => {
    const e = parseExperiment({ name: 'x', strategies: ['direct-map'], platform: { memoryBytes: '2GiB' }, workload: { bytes: ['8KiB', 4096] } }, 'x.yaml');
    expect(e.platform.memoryBytes).toBe(2 * 1024 ** 3);
    expect(e.workload.bytes).toEqual([8192, 4096]);
    expect(e.workload.clients).toBe(1);
    expect(e.seeds).toEqual([1]);
    expect(e.platform.cost.tdvmcallRoundTripNs).toBe(4000);
  });

  it('name the key and file on bad input', () => {
    expect(() => parseExperiment({ name: 'x', strategies: [] }, 'e.yaml')).toThrow(/^e\.yaml: strategies: /);
    expect(() => parseExperiment({ name: 'x', strategies: ['a'], workload: { clients: 0 } }, 'e.yaml')).toThrow(/^e\.yaml: workload\.clients: /);
    expect(() => parseExperiment({ name: 'x', strategies: ['a'], platform: { vcpus: 'many' } }, 'e.yaml')).toThrow(/^e\.yaml: platform\.vcpus: /);
    expect(() => parseExperiment({ name: 'x', strategies: ['a'], workload: { bytes: '8 KB' } }, 'e.yaml')).toThrow(/workload\.bytes/);
  });
});

describe('runExperiment', () => {
  it('runs each strategy on a fresh guest, moves the data both ways intact, and marks what a strategy cannot serve', async () => {
    const exp = parseExperiment(
      {
        name: 't',
        platform: { memoryBytes: '2GiB', vcpus: 2 },
        workload: { requests: 3, bytes: ['8KiB', '512KiB'] },
        strategies: ['direct-map', ['dma-swiotlb', { mode: 'streaming' }], ['vmap-noalias', { guardPage: true }]],
      },
      't.yaml',
    );
    const res = await runExperiment(exp, { fromDir: here, conditions });
    expect(res.rows).toHaveLength(6);
    const row = (label: string, bytes: number) => res.rows.find((r) => r.strategy.label === label && r.coordinates['workload.bytes'] === bytes)!;
    // declared maxBytes: direct-map 4 MiB (one buffer of the workload's size, converted at init), streaming 256 KiB
    expect(row('direct-map', 512 * 1024).status).toBe('ok');
    expect(row('direct-map', 512 * 1024).counters!.pagesConvertedToShared).toBe(128);
    expect(row('dma-swiotlb {mode: "streaming"}', 512 * 1024).status).toBe('n/a');
    expect(row('dma-swiotlb {mode: "streaming"}', 512 * 1024).reason).toMatch(/maxBytes 262144/);
    for (const r of res.rows.filter((r) => r.status === 'ok')) {
      expect(r.errors).toEqual({});
      expect(r.completed).toBe(3);
      expect(r.violations).toEqual({});
      expect(r.strategy.meta?.name).toMatch(/^@tdx-shbuf\/strategy-/);
      expect(r.cost.quoteGenerationNs).toBe(4_000_000);
      expect(r.latencyNs!.p50).toBeGreaterThanOrEqual(4_000_000);
    }
    // streaming copies 3 × per request: dma_map_single after the request is written (to the slot),
    // sync_for_cpu before the answer is read, unmap (BIDIRECTIONAL copies back); no conversion
    const s = row('dma-swiotlb {mode: "streaming"}', 8192).counters!;
    expect(s.bytesBounced).toBe(3 * 3 * 8192);
    expect(s.pagesConvertedToShared).toBe(0);
    // shared memory beyond the boot pools: one 8 KiB buffer at a time for direct-map (converted at init)
    const dm = row('direct-map', 8192);
    expect(dm.sharedBytes!.peak).toBe(8192);
    expect(dm.sharedBytes!.mean).toBeGreaterThan(0);
    expect(dm.sharedBytes!.mean).toBeLessThanOrEqual(8192);
    // streaming never shares anything beyond the SWIOTLB pool decrypted at boot
    expect(row('dma-swiotlb {mode: "streaming"}', 8192).sharedBytes).toEqual({ peak: 0, mean: 0 });
    // vmap-noalias converts per request and never splits the direct map
    const v = row('vmap-noalias {guardPage: true}', 512 * 1024).counters!;
    expect(v.pagesConvertedToShared).toBe(3 * 128);
    expect(v.directMapLevel2Splits + v.directMapLevel3Splits).toBe(0);
    expect(renderTable(res)).toMatch(/not run:\n {2}dma-swiotlb \{mode: "streaming"\} @ bytes=512 KiB: Strategy "dma-swiotlb" cannot serve/);
    expect(toCsv(res).split('\n')[1]).toMatch(/^p0-s0-seed1,direct-map,@tdx-shbuf\/strategy-direct-map,/);
  });

  it('reports first-touch accepts, kexec-unsafe pages and the fragmentation cost, each in its own column', async () => {
    // 16 GiB: [4 GiB, 18 GiB) starts unaccepted; the Normal zone sits at its promo watermark after boot
    const exp = parseExperiment({ name: 'f', platform: { memoryBytes: '16GiB', vcpus: 2 }, workload: { requests: 2, bytes: ['8KiB', '4MiB'] }, strategies: ['direct-map', 'vmap-noalias'] }, 'f.yaml');
    const res = await runExperiment(exp, { fromDir: here, conditions });
    const row = (label: string, bytes: number) => res.rows.find((r) => r.strategy.label === label && r.workload.bytes === bytes)!;
    // a 4 MiB buffer is an order-10 allocation: it cannot use 1023 of the free pages, so the zone accepts a block first
    const big = row('direct-map', 4 * 1024 * 1024).counters!;
    expect(big.acceptMemoryBlocks).toBeGreaterThanOrEqual(1);
    expect(big.lazyAcceptNs).toBeGreaterThan(0);
    expect(row('direct-map', 8192).counters!.acceptMemoryBlocks).toBe(0);
    // direct-map decrypts 2 pages of a 2M page at init: one level-2 split left behind, priced over 60 s on 2 vCPUs:
    // 0.007 × 512 / 4194304 mapped pages × 60 s × 2 = 102 539.0625 ns — and not in the overhead
    const dm = row('direct-map', 8192);
    expect(dm.counters!.directMapLevel2Splits).toBe(1);
    expect(dm.fragmentation!.costNs).toBeCloseTo(102_539.0625, 3);
    expect(dm.overheadP50Ns).toBe(dm.latencyNs!.p50 - dm.serviceNs!);
    expect(dm.overheadP50Ns!).toBeLessThan(dm.fragmentation!.costNs);
    // vmap-noalias: 2 pages shared behind a private direct-map PTE while each request ran; none left at the end
    const v = row('vmap-noalias', 8192).counters!;
    expect([v.kexecUnsafeSharedPagesPeak, v.kexecUnsafeSharedPages]).toEqual([2, 0]);
    expect(row('vmap-noalias', 8192).fragmentation!.costNs).toBe(0);
    const table = renderTable(res);
    expect(table.split('\n')[0]).toMatch(/zeropad +1st-touch +kexec-unsafe +frag\. µs/);
    expect(table).toContain('over 60 s (not in the overhead)');
    expect(toCsv(res).split('\n')[0]).toContain('fragmentation_cost_ns,fragmentation_horizon_s');
  });

  it('refuses several clients on a strategy that declares no concurrency, and runs them on one that does', async () => {
    const exp = parseExperiment({ name: 'c', platform: { memoryBytes: '2GiB', vcpus: 4 }, workload: { clients: 4, requests: 2 }, strategies: ['direct-map', 'open-coded'] }, 'c.yaml');
    const res = await runExperiment(exp, { fromDir: here, conditions });
    expect(res.rows[0]!.status).toBe('n/a');
    expect(res.rows[0]!.reason).toMatch(/cannot serve parallel requests/);
    expect(res.rows[1]!.completed).toBe(8);
    // four clients overlap in virtual time: the run takes about two service times, not eight
    expect(res.rows[1]!.modeledNs).toBeLessThan(3 * 4_000_000);
  });
});

describe('quote workload (the tdx-guest driver on the model)', () => {
  it('gets real quotes carrying their REPORTDATA through each strategy, direct-map’s one buffer sized by the driver’s bufferBytes', async () => {
    const exp = parseExperiment(
      {
        name: 'q',
        platform: { memoryBytes: '2GiB', vcpus: 2 },
        workload: { kind: 'quote', requests: 2, bytes: ['8KiB', '128KiB'], driver: { completion: 'interrupt' } },
        strategies: ['direct-map', ['dma-swiotlb', { mode: 'streaming' }], 'open-coded'],
      },
      'q.yaml',
    );
    const res = await runExperiment(exp, { fromDir: here, conditions });
    const row = (label: string, bytes: number) => res.rows.find((r) => r.strategy.label === label && r.coordinates['workload.bytes'] === bytes)!;
    // direct-map converts one buffer of the driver's bufferBytes at init: 128 KiB = 32 pages, once
    expect(row('direct-map', 128 * 1024).status).toBe('ok');
    expect(row('direct-map', 128 * 1024).counters!.pagesConvertedToShared).toBe(32);
    for (const r of res.rows.filter((r) => r.status === 'ok')) {
      expect(r.errors).toEqual({}); // a quote that did not carry its REPORTDATA would be EDATA
      expect(r.completed).toBe(2);
      expect(r.violations).toEqual({});
      // interrupt completion: the 4 ms quote generation plus the guest's own share, no 1 s polls
      expect(r.latencyNs!.p50).toBeGreaterThan(4_000_000);
      expect(r.latencyNs!.p50).toBeLessThan(5_000_000);
    }
    // the TDREPORT goes out and the quote comes back through the SWIOTLB slot
    expect(row('dma-swiotlb {mode: "streaming"}', 8192).counters!.bytesBounced).toBeGreaterThan(2 * (1024 + 4000));
    // open-coded converts its buffer for every quote: 2 pages each way per request
    expect(row('open-coded', 8192).counters!.pagesConvertedToShared).toBe(2 * 2);
  });

  it('polling as upstream does costs a second per quote', async () => {
    const exp = parseExperiment({ name: 'p', platform: { memoryBytes: '2GiB', vcpus: 2 }, workload: { kind: 'quote', requests: 1 }, strategies: ['direct-map'] }, 'p.yaml');
    const [r] = (await runExperiment(exp, { fromDir: here, conditions })).rows;
    expect(r!.latencyNs!.p50).toBeGreaterThanOrEqual(1_000_000_000);
  });
});

describe('tdx-shbuf run / report', () => {
  it('writes results.json, results.csv and report.html and re-renders the report', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tdx-run-'));
    const file = path.join(dir, 'e.yaml');
    writeFileSync(file, 'name: e\nplatform: { memoryBytes: 2GiB, vcpus: 2 }\nworkload: { requests: 2 }\nstrategies: [open-coded]\n');
    const { out, io: cli } = io();
    // resolve first-party packages from source, as the rest of the tests do
    const res = await main(['run', file, '--out', path.join(dir, 'out'), '--quiet', '--trace'], cli);
    expect(res).toBe(0);
    expect(out.join('')).toMatch(/open-coded/);
    for (const f of ['results.json', 'results.csv', 'report.html', 'trace.json']) expect(existsSync(path.join(dir, 'out', f))).toBe(true);
    const trace = JSON.parse(readFileSync(path.join(dir, 'out', 'trace.json'), 'utf8')) as { traceEvents: { name: string; tid: number }[] };
    expect(trace.traceEvents.some((e) => e.name === 'tdx_map_gpa')).toBe(true);
    expect(trace.traceEvents.some((e) => e.tid === 10_000)).toBe(true); // the host track
    const html = readFileSync(path.join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    // readable offline: one inline script (table sorting), nothing loaded from anywhere
    expect(html).not.toMatch(/<script[^>]*\ssrc=|(src|href)="https?:/);
    expect(html.match(/<script/g)).toHaveLength(1);
    const r2 = io();
    expect(await main(['report', path.join(dir, 'out')], r2.io)).toBe(0);
    expect(r2.out.join('')).toMatch(/open-coded/);
  });

  it('bad input: one line, exit 2, nothing written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tdx-run-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nstrategies: [open-coded]\nworkload: { clients: -1 }\n');
    const a = io();
    expect(await main(['run', file, '--out', path.join(dir, 'out')], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/^tdx-shbuf run: .*bad\.yaml: workload\.clients: .*\n$/);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
    const b = io();
    expect(await main(['run', path.join(dir, 'missing.yaml')], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/cannot read: ENOENT/);
    writeFileSync(path.join(dir, 'u.yaml'), 'name: u\nstrategies: [no-such-strategy]\n');
    const c = io();
    expect(await main(['run', path.join(dir, 'u.yaml'), '--out', path.join(dir, 'out2')], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/Could not load strategy "no-such-strategy"/);
    expect(existsSync(path.join(dir, 'out2'))).toBe(false);
    const d = io();
    expect(await main(['report', path.join(dir, 'nowhere')], d.io)).toBe(2);
  });
});
