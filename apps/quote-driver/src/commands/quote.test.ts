import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseQuote, toHex, verifyQuote } from '@tdx-shbuf/tdx-formats';
import { runCli } from '../../test/cli.js';
import { describe, expect, it } from 'vitest';

const HEX = Array.from({ length: 64 }, (_, i) => ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0')).join('');
const PLATFORM = { memoryBytes: 4 * 2 ** 30, vcpus: 2 };

const cli = (cwd: string, ...argv: string[]) => runCli(argv, cwd);

/** A fresh folder holding tdx-shbuf.config.json with `config`. */
function project(config: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-quote-'));
  writeFileSync(path.join(dir, 'tdx-shbuf.config.json'), JSON.stringify(config));
  return dir;
}

describe('tdx-shbuf quote → tdx-shbuf inspect round trip', () => {
  for (const strategy of ['direct-map', 'vmap-noalias', 'open-coded', 'dma-swiotlb', 'shared-pool']) {
    it(`with strategy ${strategy} from the config`, async () => {
      const dir = project({ strategy, platform: PLATFORM });
      const q = await cli(dir, 'quote', '--report-data', HEX, '-o', 'quote.bin', '--root-out', 'root.pem');
      expect(q.stderr).toBe('');
      expect(q.code).toBe(0);
      expect(q.stdout).toContain(`strategy          ${strategy} (@tdx-shbuf/strategy-${strategy}@`);
      expect(q.stdout).toMatch(/modeled latency {3}1\.00\d s/);
      expect(q.stdout).toMatch(/direct-map splits \d+ × 1G, \d+ × 2M/);
      const quote = new Uint8Array(readFileSync(path.join(dir, 'quote.bin')));
      expect(toHex(parseQuote(quote).body.reportData)).toBe(HEX);
      // an independent check with tdx-formats, then the CLI's inspect
      expect(verifyQuote(quote, { trustedRootPem: readFileSync(path.join(dir, 'root.pem'), 'latin1') }).valid).toBe(true);
      const i = await cli(dir, 'inspect', path.join(dir, 'quote.bin'), '--trusted-root', path.join(dir, 'root.pem'), '--json');
      expect(i.code).toBe(0);
      expect(JSON.parse(i.stdout)).toMatchObject({ valid: true, quoteSignatureValid: true, qeReportSignatureValid: true, qeReportDataBindingValid: true, chainValid: true, reportData: HEX });
    });
  }

  it('without --trusted-root the simulated chain is not trusted (exit 1)', async () => {
    const dir = project({ platform: PLATFORM });
    expect((await cli(dir, 'quote', '--report-data', HEX)).code).toBe(0);
    expect(existsSync(path.join(dir, 'quote.bin'))).toBe(true);
    expect((await cli(dir, 'inspect', path.join(dir, 'quote.bin'))).code).toBe(1);
  });

  it('sim-root prints the same root as quote --root-out; @file report data (raw 64 bytes) and --json work', async () => {
    const dir = project({ platform: { ...PLATFORM, seed: 'lab-7' } });
    writeFileSync(path.join(dir, 'rd.bin'), Buffer.from(HEX, 'hex'));
    const q = await cli(dir, 'quote', '--report-data', '@rd.bin', '-o', 'q.bin', '--root-out', 'r.pem', '--json');
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout)).toMatchObject({ strategy: 'direct-map', reportData: HEX, checks: 'v7.0', completion: 'poll' });
    const s = await cli(dir, 'sim-root');
    expect(s.code).toBe(0);
    expect(s.stdout).toBe(readFileSync(path.join(dir, 'r.pem'), 'latin1'));
    expect(s.stdout).toContain('BEGIN CERTIFICATE');
    const other = await cli(project({ platform: { seed: 'another' } }), 'sim-root');
    expect(other.stdout).not.toBe(s.stdout);
  });

  it('a TypeScript config found from a subfolder, and a nested folder as working folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-quote-ts-'));
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(
      path.join(dir, 'tdx-shbuf.config.ts'),
      `export default { strategy: ['dma-swiotlb', { mode: 'atomic' }], platform: ${JSON.stringify(PLATFORM)}, driver: { completion: 'interrupt' } };\n`,
    );
    const q = await cli(path.join(dir, 'sub'), 'quote', '--report-data', HEX);
    expect(q.stderr).toBe('');
    expect(q.stdout).toContain('strategy          dma-swiotlb');
    expect(q.stdout).toMatch(/modeled latency {3}4\.\d+ ms \(completion interrupt/);
    expect(existsSync(path.join(dir, 'sub', 'quote.bin'))).toBe(true);
  });
});

describe('tdx-shbuf quote: bad arguments exit 2 with one line and write nothing', () => {
  const cases: [string, unknown, string[], RegExp][] = [
    ['report data too short', {}, ['--report-data', 'abcd'], /4 hex digits; TDX REPORTDATA is exactly 64 bytes/],
    ['report data too long', {}, ['--report-data', `${HEX}00`], /130 hex digits/],
    ['report data not hex', {}, ['--report-data', `${HEX.slice(0, 126)}zz`], /not hex/],
    ['report data file missing', {}, ['--report-data', '@nope.bin'], /cannot read nope\.bin: ENOENT/],
    ['report data file endless', {}, ['--report-data', '@/dev/zero'], /--report-data: cannot read \/dev\/zero: more than the 4096-byte limit$/m],
    ['report data missing', {}, [], /required option '--report-data <hex\|@file>' not specified/],
    ['unknown option', {}, ['--report-data', HEX, '--frobnicate'], /unknown option '--frobnicate'/],
    ['unreadable config', {}, ['--report-data', HEX, '--config', 'absent.yaml'], /Could not read config .*absent\.yaml: ENOENT/],
    ['invalid config value', { driver: { timeoutMs: -5 } }, ['--report-data', HEX], /tdx-shbuf\.config\.json: driver\.timeoutMs: /],
    ['unknown strategy', { strategy: 'no-such-strategy' }, ['--report-data', HEX], /strategy: Could not load strategy "no-such-strategy": no package "no-such-strategy" is installed/],
    [
      'invalid strategy option',
      { strategy: ['open-coded', { preallocateBytes: 3 }] },
      ['--report-data', HEX],
      /strategy: Could not load strategy "open-coded": options\.preallocateBytes: must be a multiple of 4096/,
    ],
    ['capability mismatch', { strategy: 'direct-map', driver: { requests: 'parallel' } }, ['--report-data', HEX], /cannot serve parallel requests/],
  ];
  for (const [name, config, args, message] of cases) {
    it(name, async () => {
      const dir = project({ ...(config as object), platform: PLATFORM });
      const r = await cli(dir, 'quote', ...args, '-o', 'out.bin');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^tdx-shbuf quote: /);
      expect(r.stdout).toBe('');
      expect(readdirSync(dir).sort()).toEqual(['tdx-shbuf.config.json']);
    });
  }

  it('--root-out into a missing folder writes neither file, keeps the quote already there, and names the root file (regression)', async () => {
    const dir = project({ platform: PLATFORM });
    writeFileSync(path.join(dir, 'quote.bin'), 'an earlier quote');
    const r = await cli(dir, 'quote', '--report-data', HEX, '-o', 'quote.bin', '--root-out', 'missing/root.pem');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tdx-shbuf quote: cannot write ${path.join(dir, 'missing/root.pem')}: ENOENT\n`);
    expect(r.stdout).toBe('');
    expect(readFileSync(path.join(dir, 'quote.bin'), 'latin1')).toBe('an earlier quote');
    expect(readdirSync(dir).sort()).toEqual(['quote.bin', 'tdx-shbuf.config.json']);
  });

  it('-o naming a folder writes nothing and names it', async () => {
    const dir = project({ platform: PLATFORM });
    mkdirSync(path.join(dir, 'out'));
    const r = await cli(dir, 'quote', '--report-data', HEX, '-o', 'out', '--root-out', 'root.pem');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tdx-shbuf quote: cannot write ${path.join(dir, 'out')}: EISDIR\n`);
    expect(readdirSync(dir).sort()).toEqual(['out', 'tdx-shbuf.config.json']);
  });

  it('a run with an invariant violation never exits 0: a strategy that frees shared pages gets a quote, but nothing is written (regression)', async () => {
    const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/frees-shared-strategy.ts');
    const dir = project({ platform: PLATFORM, strategy: fixture });
    const r = await cli(dir, 'quote', '--report-data', HEX, '--root-out', 'root.pem');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^tdx-shbuf quote: the model recorded \d+ invariant violations? \(first: invariant 1 at pfn \d+: .*\); nothing written\n$/);
    expect(readdirSync(dir)).toEqual(['tdx-shbuf.config.json']);
  });

  it('a driver failure (host refuses service) exits 1 and writes nothing', async () => {
    const dir = project({ platform: PLATFORM, strategy: 'direct-map', driver: { bufferBytes: 139264 } });
    const r = await cli(dir, 'quote', '--report-data', HEX);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EIO: GetQuote hypercall failed/);
    expect(readdirSync(dir)).toEqual(['tdx-shbuf.config.json']);
  });
});
