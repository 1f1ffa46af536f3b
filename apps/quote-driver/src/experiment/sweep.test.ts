/** Sweeps, workers, shards and merge, sensitivity, loud errors: through runExperiment and the CLI. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli.js';
import { parseExperiment } from './experiment-schema.js';
import { runExperiment } from './runner.js';
import type { ExperimentResults } from './results.js';
import { mergeShards } from './shard.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const conditions = ['source', 'import', 'default'];
const tmp = () => mkdtempSync(path.join(tmpdir(), 'tdx-sweep-'));
const read = (dir: string) => readFileSync(path.join(dir, 'results.json'), 'utf8');
/** results.json without its timing object: what must be byte-identical. */
const withoutTiming = (text: string) => {
  const { timing, ...rest } = JSON.parse(text) as ExperimentResults;
  expect(timing.wallMs).toBeGreaterThan(0);
  return JSON.stringify(rest, null, 2);
};

const SWEEP = `name: sweep
platform: { memoryBytes: 2GiB, vcpus: 2 }
workload: { requests: 4, bytes: 8KiB }
matrix:
  platform.vcpus: [2, 4]
  platform.cost.tdvmcallRoundTripNs: [2000, 8000]
  strategy.options.mode: [streaming, coherent]
strategies: [[direct-map, { convert: per-request }], dma-swiotlb]
seeds: [1, 2]
`;

describe('sweeps over any key', () => {
  it('runs the cross product × strategies × seeds, each row labelled by its coordinates, strategy options applied where the strategy has them', async () => {
    const exp = parseExperiment(
      {
        name: 's',
        platform: { memoryBytes: '2GiB', vcpus: 2 },
        workload: { requests: 3, bytes: '8KiB' },
        matrix: { 'platform.vcpus': [2, 4], 'platform.cost.tdvmcallRoundTripNs': [2000, 8000], 'strategy.options.mode': ['streaming', 'coherent'] },
        strategies: [['direct-map', { convert: 'per-request' }], 'dma-swiotlb'],
      },
      's.yaml',
    );
    const res = await runExperiment(exp, { fromDir: here, conditions, jobs: 1 });
    expect(res.points).toHaveLength(8);
    expect(res.rows).toHaveLength(16);
    expect(res.matrix.map((a) => a.key)).toEqual(['platform.vcpus', 'platform.cost.tdvmcallRoundTripNs', 'strategy.options.mode']);
    expect(res.rows.map((r) => r.id).slice(0, 3)).toEqual(['p0-s0-seed1', 'p0-s1-seed1', 'p1-s0-seed1']);
    const row = (si: number, vcpus: number, rt: number, mode: string) =>
      res.rows.find(
        (r) =>
          r.strategy.label === (si ? 'dma-swiotlb' : 'direct-map {convert: "per-request"}') &&
          r.coordinates['platform.vcpus'] === vcpus &&
          r.coordinates['platform.cost.tdvmcallRoundTripNs'] === rt &&
          r.coordinates['strategy.options.mode'] === mode,
      )!;
    expect(row(1, 2, 2000, 'coherent').label).toBe('dma-swiotlb @ vcpus=2, tdvmcallRoundTripNs=2000, mode=coherent');
    for (const r of res.rows) expect([r.status, r.completed, r.errorsUnexpected]).toEqual(['ok', 3, false]);
    // the option reaches dma-swiotlb: streaming bounces and converts nothing, coherent converts and bounces nothing
    expect(row(1, 2, 2000, 'streaming').strategy.options).toEqual({ mode: 'streaming' });
    expect(row(1, 2, 2000, 'streaming').counters!.pagesConvertedToShared).toBe(0);
    expect(row(1, 2, 2000, 'coherent').counters!.bytesBounced).toBe(0);
    expect(row(1, 2, 2000, 'coherent').counters!.pagesConvertedToShared).toBeGreaterThan(0);
    // direct-map has no option "mode": it runs unchanged at every point of that axis
    expect(row(0, 2, 2000, 'streaming').counters).toEqual(row(0, 2, 2000, 'coherent').counters);
    // vCPUs: a shootdown IPIs every other vCPU
    expect(row(0, 4, 2000, 'streaming').counters!.ipis).toBeGreaterThan(row(0, 2, 2000, 'streaming').counters!.ipis);
    expect(row(0, 4, 2000, 'streaming').platform.vcpus).toBe(4);
    // the cost parameter: a request converts twice (MapGPA to shared, then to private), each a TDVMCALL
    expect(row(0, 2, 8000, 'streaming').cost.tdvmcallRoundTripNs).toBe(8000);
    expect(row(0, 2, 8000, 'streaming').overheadP50Ns!).toBeGreaterThanOrEqual(row(0, 2, 2000, 'streaming').overheadP50Ns! + 2 * 6000);
    // series: sampled at each completion, the first at the start
    const s = row(0, 2, 2000, 'streaming').series!;
    expect(s.tNs).toHaveLength(4);
    expect(s.tNs[0]).toBe(0);
  });

  it('bad matrices and options are one line, exit 2, nothing run or written', async () => {
    const dir = tmp();
    const cases: [string, RegExp][] = [
      ['matrix: { platform.vcpu: [1, 8] }\nstrategies: [direct-map]', /^tdx-shbuf run: \S+e\.yaml: matrix\.platform\.vcpu: unknown key \(did you mean platform\.vcpus\?\)\n$/],
      [
        'matrix: { strategy.options.mod: [streaming] }\nstrategies: [dma-swiotlb]',
        /matrix\.strategy\.options\.mod: no strategy of the experiment has option "mod" \(did you mean strategy\.options\.mode\?\) \(options: mode\)\n$/,
      ],
      ['matrix: { strategy.options.mode: [bogus] }\nstrategies: [dma-swiotlb]', /matrix\.strategy\.options\.mode = "bogus": Could not load strategy "dma-swiotlb": options\.mode: /],
      ['matrix: { platform.memoryBytes: [2GiB, 1KiB] }\nstrategies: [direct-map]', /matrix\.platform\.memoryBytes = "1KiB": /],
      ['workload: { clients: 100, requests: 1000000 }\nstrategies: [direct-map]', /workload\.requests: clients × requests = 100 × 1000000 = 100000000; at most 10000000 per run\n$/],
      ['matrix: { workload.bytes: [8KiB, 2GiB] }\nplatform: { memoryBytes: 2GiB }\nstrategies: [direct-map]', /workload\.bytes: 2 GiB per buffer; .* \(at matrix point bytes=2 GiB\)\n$/],
      ['sensitivity: { parameters: [tdvmcallRoundTrip] }\nstrategies: [direct-map]', /sensitivity: unknown cost parameter "tdvmcallRoundTrip" \(did you mean tdvmcallRoundTripNs\?\)\n$/],
    ];
    for (const [body, want] of cases) {
      writeFileSync(path.join(dir, 'e.yaml'), `name: e\n${body}\n`);
      const r = await runCli(['run', path.join(dir, 'e.yaml'), '--out', path.join(dir, 'out'), '--jobs', '1']);
      expect([r.code, r.stderr], body).toEqual([2, expect.stringMatching(want)]);
      expect(r.stdout).toBe('');
      expect(existsSync(path.join(dir, 'out'))).toBe(false);
    }
    for (const [args, want] of [
      [['--jobs', '0'], /--jobs: "0" is not a number of worker threads/],
      [['--shard', '3/2'], /--shard: "3\/2" is not k\/n with 1 ≤ k ≤ n \(k is 1-based\)/],
      [['--shards', '2'], /--shards: needs JOB_COMPLETION_INDEX/],
    ] as const) {
      const r = await runCli(['run', path.join(dir, 'e.yaml'), '--out', path.join(dir, 'out'), ...args]);
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(want)]);
    }
  });
});

describe('workloads: open-loop arrivals and request-size distributions', () => {
  it('Poisson arrivals queue behind a busy client; sizes drawn per request from the seeded distribution', async () => {
    const base = { name: 'a', platform: { memoryBytes: '2GiB', vcpus: 2 }, strategies: [['dma-swiotlb', { mode: 'streaming' }]], seeds: [3] };
    const closed = await runExperiment(parseExperiment({ ...base, workload: { requests: 200, hostServiceNs: 1_000_000 } }, 'a.yaml'), { fromDir: here, conditions, jobs: 1 });
    // 900 arrivals/s against a 1 ms service: utilisation 0.9, so requests wait (M/D/1), and the run lasts ~200/900 s
    const open = await runExperiment(parseExperiment({ ...base, workload: { requests: 200, hostServiceNs: 1_000_000, arrival: { kind: 'poisson', ratePerSec: 900 } } }, 'a.yaml'), {
      fromDir: here,
      conditions,
      jobs: 1,
    });
    const [c, o] = [closed.rows[0]!, open.rows[0]!];
    expect(o.completed).toBe(200);
    expect(o.latencyNs!.p99).toBeGreaterThan(2 * c.latencyNs!.p99);
    expect(o.latencyNs!.p50).toBeGreaterThanOrEqual(c.latencyNs!.p50);
    expect(o.modeledNs / 1e9).toBeGreaterThan(0.15);
    expect(o.modeledNs / 1e9).toBeLessThan(0.3);
    // sizes: streaming bounces each request 4 times, so bytesBounced / 4 is the sum of the sizes drawn
    const sized = await runExperiment(parseExperiment({ ...base, workload: { requests: 50, bytes: { kind: 'uniform', min: 4096, max: '64KiB' } } }, 'a.yaml'), { fromDir: here, conditions, jobs: 1 });
    const sum = sized.rows[0]!.counters!.bytesBounced / 4;
    expect(sum).toBeGreaterThan(50 * 4096);
    expect(sum).toBeLessThan(50 * 65536);
    const again = await runExperiment(parseExperiment({ ...base, workload: { requests: 50, bytes: { kind: 'uniform', min: 4096, max: '64KiB' } } }, 'a.yaml'), { fromDir: here, conditions, jobs: 1 });
    expect(again.rows[0]!.counters).toEqual(sized.rows[0]!.counters);
  });
});

describe('parallel, sharded and merged runs give the same results.json', () => {
  it('--jobs 1 and --jobs 2, a run twice, and shards 1/2 + 2/2 merged (also through JOB_COMPLETION_INDEX): byte-identical apart from timing', async () => {
    const dir = tmp();
    const file = path.join(dir, 'sweep.yaml');
    writeFileSync(file, SWEEP);
    const run = async (out: string, ...args: string[]) => {
      const r = await runCli(['run', file, '--out', path.join(dir, out), '--quiet', ...args]);
      expect([r.code, r.stderr], out).toEqual([0, '']);
      return read(path.join(dir, out));
    };
    const j1 = await run('j1', '--jobs', '1');
    const j2 = await run('j2', '--jobs', '2');
    expect(withoutTiming(j2)).toBe(withoutTiming(j1));
    expect(JSON.parse(j2).timing.jobs).toBe(2);
    expect(withoutTiming(await run('again', '--jobs', '2'))).toBe(withoutTiming(j1));
    const s1 = JSON.parse(await run('s1', '--shard', '1/2', '--jobs', '2')) as ExperimentResults;
    expect(s1.shard).toEqual({ k: 1, n: 2 });
    expect(new Set(s1.rows.map((r) => r.pointId))).toEqual(new Set(['p0', 'p2', 'p4', 'p6']));
    process.env.JOB_COMPLETION_INDEX = '1';
    try {
      await run('s2', '--shards', '2', '--jobs', '1');
    } finally {
      delete process.env.JOB_COMPLETION_INDEX;
    }
    const m = await runCli(['merge', path.join(dir, 's2'), path.join(dir, 's1'), '--out', path.join(dir, 'merged')]);
    expect([m.code, m.stderr]).toEqual([0, '']);
    expect(withoutTiming(read(path.join(dir, 'merged')))).toBe(withoutTiming(j1));
    expect(readFileSync(path.join(dir, 'merged', 'report.html'), 'utf8')).toBe(readFileSync(path.join(dir, 'j1', 'report.html'), 'utf8'));
    expect(readFileSync(path.join(dir, 'merged', 'results.csv'), 'utf8')).toBe(readFileSync(path.join(dir, 'j1', 'results.csv'), 'utf8'));
    // shards that do not make a whole: one line each, exit 2
    const bad = async (dirs: string[], want: RegExp) => {
      const r = await runCli(['merge', ...dirs.map((d) => path.join(dir, d)), '--out', path.join(dir, 'bad')]);
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(want)]);
      expect(existsSync(path.join(dir, 'bad'))).toBe(false);
    };
    await bad(['s1'], /^tdx-shbuf merge: merge: missing shard 2\/2\n$/);
    await bad(['s1', 's1'], /shard 1\/2 given twice/);
    await bad(['s1', 'j1'], /j1: not a shard/);
    await bad(['s1', 'nowhere'], /nowhere\/results\.json: ENOENT/);
    writeFileSync(path.join(dir, 'other.yaml'), SWEEP.replace('requests: 4', 'requests: 5'));
    const o = await runCli(['run', path.join(dir, 'other.yaml'), '--shard', '2/2', '--out', path.join(dir, 'o2'), '--quiet', '--jobs', '1']);
    expect(o.code).toBe(0);
    await bad(['s1', 'o2'], /o2: a shard of a different experiment than .*s1/);
    // six whole runs, four of them starting worker threads that load the sources through tsx: on a
    // loaded 2-core CI machine this takes longer than the suite's 30 s default (a time limit, not a timing assertion)
  }, 180_000);
});

describe('sensitivity', () => {
  it('finds the parameter that flips the ranking and, by bisection, where', async () => {
    // streaming bounces 4 × 8 KiB per request; per-request conversion costs ~70 µs: at ~0.5 B/ns of copy bandwidth the two swap
    const exp = parseExperiment(
      {
        name: 'sens',
        platform: { memoryBytes: '2GiB', vcpus: 2 },
        workload: { requests: 3, bytes: '8KiB' },
        strategies: [
          ['direct-map', { convert: 'per-request' }],
          ['dma-swiotlb', { mode: 'streaming' }],
        ],
        sensitivity: { parameters: ['bounceBytesPerNs', 'tdcallNs'], ranges: { bounceBytesPerNs: [0.1, 30] }, bisectSteps: 10 },
      },
      'sens.yaml',
    );
    const res = await runExperiment(exp, { fromDir: here, conditions, jobs: 2 });
    const s = res.sensitivity!;
    expect(s.parameters.map((p) => [p.name, p.basis])).toEqual([
      ['bounceBytesPerNs', 'given'],
      ['tdcallNs', 'proxy'],
    ]);
    expect(s.parameters[1]).toMatchObject({ low: 175, high: 2800 });
    const [p] = s.points;
    expect(p!.ranking).toEqual([['dma-swiotlb {mode: "streaming"}'], ['direct-map {convert: "per-request"}']]);
    expect(p!.holds).toBe(false);
    const [bounce, tdcall] = p!.parameters;
    expect(tdcall).toMatchObject({ name: 'tdcallNs', low: { value: 175, holds: true }, high: { value: 2800, holds: true } });
    expect(tdcall!.flip).toBeUndefined();
    expect(bounce!.high.holds).toBe(true);
    expect(bounce!.low.holds).toBe(false);
    const f = bounce!.flip!;
    expect(f.side).toBe('low');
    expect(f.swapped).toEqual(['direct-map {convert: "per-request"}', 'dma-swiotlb {mode: "streaming"}']);
    expect(f.value).toBeGreaterThan(0.1);
    expect(f.lastHolding).toBeGreaterThan(f.value);
    expect(f.lastHolding - f.value).toBeLessThanOrEqual((10 - 0.1) / 2 ** 10 + 1e-9);
    // check the bisection against plain runs on either side of the flip
    const at = async (bw: number) => {
      const r = await runExperiment(parseExperiment({ ...exp, sensitivity: undefined, platform: { ...exp.platform, cost: { ...exp.platform.cost, bounceBytesPerNs: bw } } }, 'x.yaml'), {
        fromDir: here,
        conditions,
        jobs: 1,
      });
      const [dm, st] = r.rows.map((x) => x.overheadP50Ns!) as [number, number];
      // how far streaming is behind, beyond the tie tolerance (2 % or 100 ns)
      return st - dm - Math.max(100, 0.02 * Math.min(st, dm));
    };
    expect(await at(f.value)).toBeGreaterThan(0);
    expect(await at(f.lastHolding)).toBeLessThanOrEqual(0);
  });
});

describe('sensitivity in shards', () => {
  it('each shard analyses its own points; merged, they equal the unsharded analysis', async () => {
    const exp = parseExperiment(
      {
        name: 'sens-shards',
        platform: { memoryBytes: '2GiB', vcpus: 2 },
        workload: { requests: 2 },
        matrix: { 'workload.bytes': ['8KiB', '64KiB'] },
        strategies: [
          ['direct-map', { convert: 'per-request' }],
          ['dma-swiotlb', { mode: 'streaming' }],
        ],
        sensitivity: { parameters: ['bounceBytesPerNs'], ranges: { bounceBytesPerNs: [0.1, 30] }, bisectSteps: 6 },
      },
      'ss.yaml',
    );
    const opts = { fromDir: here, conditions, jobs: 2 };
    const whole = await runExperiment(exp, opts);
    const shards = await Promise.all([1, 2].map((k) => runExperiment(exp, { ...opts, shard: { k, n: 2 } })));
    expect(shards.map((s) => s.sensitivity!.points.map((p) => p.pointId))).toEqual([['p0'], ['p1']]);
    const merged = mergeShards(shards.map((results, i) => ({ where: `s${i + 1}`, results: JSON.parse(JSON.stringify(results)) as ExperimentResults })));
    const strip = ({ timing: _, ...rest }: ExperimentResults) => JSON.stringify(rest);
    expect(strip(merged)).toBe(strip(JSON.parse(JSON.stringify(whole)) as ExperimentResults));
    // the bigger buffer bounces 8 times as much: its flip comes at a higher bandwidth
    const flips = whole.sensitivity!.points.map((p) => p.parameters[0]!.flip!.value);
    expect(flips[1]!).toBeGreaterThan(flips[0]!);
  });
});

describe('errors are loud', () => {
  const PARALLEL =
    'name: par\nplatform: { memoryBytes: 2GiB, vcpus: 32 }\nworkload: { kind: quote, clients: 32, requests: 2, bytes: 8KiB, driver: { completion: interrupt, requests: parallel } }\nstrategies: [open-coded]\n';

  it('more than 16 quotes in flight fail with EIO: marked in the table, exit 1 after writing; declared in expectErrors, exit 0', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'p.yaml'), PARALLEL);
    const r = await runCli(['run', path.join(dir, 'p.yaml'), '--out', path.join(dir, 'out'), '--quiet', '--jobs', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/32 EIO !/);
    expect(r.stdout).toMatch(/errors the experiment does not expect \(!\):\n {2}open-coded: 32 EIO of 64 requests/);
    expect(r.stderr).toBe('tdx-shbuf run: 1 run(s) had errors the experiment does not expect (marked ! in the table; declare expected ones with expectErrors)\n');
    const row = (JSON.parse(read(path.join(dir, 'out'))) as ExperimentResults).rows[0]!;
    expect(row).toMatchObject({ errors: { EIO: 32 }, completed: 32, errorsUnexpected: true });
    expect(readFileSync(path.join(dir, 'out', 'report.html'), 'utf8')).toMatch(/class="unexpected"/);
    writeFileSync(path.join(dir, 'ok.yaml'), `${PARALLEL}expectErrors: { EIO: true }\n`);
    const ok = await runCli(['run', path.join(dir, 'ok.yaml'), '--out', path.join(dir, 'ok'), '--quiet', '--jobs', '1']);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    writeFileSync(path.join(dir, 'few.yaml'), `${PARALLEL}expectErrors: { EIO: 10 }\n`);
    expect((await runCli(['run', path.join(dir, 'few.yaml'), '--out', path.join(dir, 'few'), '--quiet', '--jobs', '1'])).code).toBe(1);
  });

  it('an output folder that cannot be written is refused before anything runs, and no temp file is left', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'e.yaml'), 'name: e\nworkload: { requests: 1 }\nstrategies: [open-coded]\n');
    writeFileSync(path.join(dir, 'file'), 'x');
    for (const [out, want] of [
      ['file', /--out: \S+file is not a folder\n$/],
      ['file/sub', /--out: \S+file is not a folder\n$/],
    ] as const) {
      const r = await runCli(['run', path.join(dir, 'e.yaml'), '--out', path.join(dir, out)]);
      expect([r.code, r.stderr, r.stdout]).toEqual([2, expect.stringMatching(new RegExp(`^tdx-shbuf run: ${want.source}`)), '']);
    }
    const r = await runCli(['run', path.join(dir, 'e.yaml'), '--out', path.join(dir, 'new', 'deeper'), '--quiet', '--jobs', '1']);
    expect(r.code).toBe(0);
    expect(readdirSync(path.join(dir, 'new', 'deeper')).sort()).toEqual(['report.html', 'results.csv', 'results.json']);
    expect(readdirSync(dir).filter((f) => f.includes('probe') || f.endsWith('.tmp'))).toEqual([]);
  });
});
