import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli.js';
import { seedFixture, v1Results } from '../../test/report-fixture.js';

function dirWith(results: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tdx-report-'));
  writeFileSync(path.join(dir, 'results.json'), typeof results === 'string' ? results : JSON.stringify(results));
  return dir;
}

describe('tdx-shbuf report', () => {
  it('re-renders report.html from a v2 results.json and prints the table', async () => {
    const dir = dirWith(seedFixture());
    const r = await runCli(['report', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^strategy +buffer size +completion +overhead µs/);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('still renders the results.json an older tdx-shbuf wrote (schema 1)', async () => {
    const dir = dirWith(v1Results());
    const r = await runCli(['report', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/results schema v1/);
  });

  it('--svg writes every drawn chart as a standalone SVG file', async () => {
    const dir = dirWith(seedFixture());
    const out = path.join(dir, 'charts');
    const r = await runCli(['report', dir, '--svg', out]);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(out).sort();
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    const drawn = [...html.matchAll(/<figure id="([^"]+)" data-chart="drawn">/g)].map((m) => `${m[1]}.svg`).sort();
    expect(files).toEqual(drawn);
    for (const f of files)
      expect(readFileSync(path.join(out, f), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*><title>[^<]+<\/title>[\s\S]*role="graphics-symbol"[\s\S]*<\/svg>\n$/);
    expect(r.stdout).toContain(`wrote ${files.length} chart(s) to ${out}`);
  });

  it('bad input: one line naming the key, exit 2, no report written', async () => {
    const bad = seedFixture() as unknown as { rows: { latencyNs: unknown }[] };
    bad.rows[2]!.latencyNs = { p50: 'fast' };
    const dir = dirWith(bad);
    const r = await runCli(['report', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tdx-shbuf report: .*results\.json: not a tdx-shbuf results file: rows\.2\.latencyNs\.p50: .*\n$/);
    expect(existsSync(path.join(dir, 'report.html'))).toBe(false);
    const notJson = await runCli(['report', dirWith('{"name":')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/results\.json: not JSON/);
    const file = path.join(dirWith(seedFixture()), 'results.json');
    const svgOnFile = await runCli(['report', path.dirname(file), '--svg', file]);
    expect(svgOnFile.code).toBe(2);
    expect(svgOnFile.stderr).toMatch(/^tdx-shbuf report: --svg .*results\.json: EEXIST\n$/);
  });
});
