/**
 * report.html in a real browser: Debian's Chromium, headless, driven by playwright-core, opened
 * from file:// as a user would. For a v2 fixture, the v1 file an older run left, and a real small
 * run of the CLI: no console error or page error, no request leaves file://, every chart has
 * marks with a size, every table cell shows the number results.json holds, clicking a header
 * sorts, parameters start collapsed. Screenshots go to test-artifacts/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Callbacks passed to $eval/$$eval run in the page; their DOM parameters are untyped here (no DOM lib in Node code).
import { runCli } from '../cli.js';
import { ghciFixture, runnerResults, seedFixture, v1Results } from '../report-fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');
const scratch = mkdtempSync(path.join(tmpdir(), 'tdx-report-browser-'));
let ctx: BrowserContext;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium), as .ci/run does, or set CHROMIUM_PATH`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // A fresh profile, no network side traffic: the page must stand on its own.
  ctx = await chromium.launchPersistentContext(path.join(scratch, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
  });
});

afterAll(async () => {
  await ctx?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Open `dir/report.html`, collecting console errors, page errors and every request. */
async function open(dir: string): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await ctx.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(path.join(dir, 'report.html')).href, { waitUntil: 'load' });
  return { page, problems, requests };
}

/** The value at `p` in `row`, summed when the column sums a record. */
function valueAt(row: unknown, p: string[], sum: boolean): unknown {
  let v = row;
  for (const k of p) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return sum && v && typeof v === 'object' ? Object.values(v as Record<string, number>).reduce((a, b) => a + b, 0) : v;
}

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Read a printed cell back into the raw unit, with how far rounding may have moved it. */
function readBack(text: string, unit: string): { value: number; tolerance: number } | undefined {
  const size = /^([\d.]+) (B|KiB|MiB|GiB)$/.exec(text);
  if (size) {
    const per = UNITS[size[2]!]! / (unit === 'kB' ? 1024 : 1);
    return { value: Number(size[1]) * per, tolerance: 0.05 * per + 1e-9 };
  }
  if (unit === 'errno') {
    // `0`, or `32 EIO, 1 EDATA`: the raw value is the sum.
    const counts = [...text.matchAll(/([\d,]+) [A-Z]+/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
    return text === '0' ? { value: 0, tolerance: 0 } : counts.length ? { value: counts.reduce((a, b) => a + b, 0), tolerance: 0 } : undefined;
  }
  const n = Number(text.replace(/,/g, ''));
  if (Number.isNaN(n)) return undefined;
  if (unit === 'ns') return { value: n * 1000, tolerance: text.includes('.') ? 50 : 500 };
  return { value: n, tolerance: text.includes('.') ? 0.05 : 0.5 };
}

/** Everything a good report page owes, checked against the results.json it was made from. */
async function checkReport(dir: string, shot?: string) {
  const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as { rows: unknown[] };
  const { page, problems, requests } = await open(dir);

  // Offline: the page asked for nothing but itself.
  expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);

  // Parameters start collapsed; open everything to measure the charts inside.
  const openParams = await page.$$eval('#parameters details', (ds) => ds.filter((d) => d.open).length);
  expect(openParams).toBe(0);
  await page.$$eval('details', (ds) => {
    for (const d of ds) d.open = true;
  });

  // Every drawn chart has marks with a size; every omitted one says why.
  const figures = await page.$$eval('figure', (figs) =>
    figs.map((f) => ({
      id: f.id,
      drawn: f.dataset.chart === 'drawn',
      svgs: f.querySelectorAll('svg').length,
      marks: [...f.querySelectorAll('svg [role="graphics-symbol"]')].filter((el) => {
        const b = el.getBBox();
        return b.width > 0 || b.height > 0;
      }).length,
      note: f.querySelector('.omitted')?.textContent ?? '',
    })),
  );
  expect(figures.filter((f) => f.drawn).length).toBeGreaterThanOrEqual(4);
  for (const f of figures) {
    if (f.drawn) {
      expect(f.svgs, f.id).toBe(1);
      expect(f.marks, f.id).toBeGreaterThan(0);
    } else expect(f.note, f.id).toMatch(/^Not drawn: \w/);
  }

  // The table shows what results.json holds: raw values in data-value, and the printed text reads back to them.
  const table = await page.$eval('#summary-table', (t) => ({
    heads: [...t.querySelectorAll('thead th')].map((th) => ({ head: th.textContent ?? '', path: JSON.parse(th.dataset.path!) as string[], unit: th.dataset.unit!, sum: th.dataset.sum === '1' })),
    rows: [...t.querySelectorAll('tbody tr')].map((tr) => ({ index: Number(tr.dataset.row), cells: [...tr.cells].map((td) => ({ raw: td.dataset.value!, text: td.textContent ?? '' })) })),
  }));
  expect(table.rows.map((r) => r.index).sort((a, b) => a - b)).toEqual(results.rows.map((_, i) => i));
  let compared = 0;
  for (const r of table.rows) {
    r.cells.forEach((cell, k) => {
      const h = table.heads[k]!;
      const v = valueAt(results.rows[r.index], h.path, h.sum);
      const where = `row ${r.index} ${h.head}`;
      if (v === undefined) {
        expect(cell.raw, where).toBe('');
        return;
      }
      expect(cell.raw, where).toBe(typeof v === 'string' ? v : JSON.stringify(v));
      if (h.unit === 'text' || typeof v !== 'number') return;
      const back = readBack(cell.text.replace(/\s*unexpected$/, ''), h.unit);
      expect(back, `${where}: "${cell.text}"`).toBeDefined();
      expect(Math.abs(back!.value - v), `${where}: "${cell.text}" for ${v}`).toBeLessThanOrEqual(back!.tolerance + Math.abs(v) * 1e-12);
      compared++;
    });
  }
  expect(compared).toBeGreaterThan(results.rows.length * 5);

  // Clicking a header sorts by the raw numbers, missing values last; again reverses.
  const column = async (id: string) => page.$$eval(`#summary-table tbody tr td:nth-child(${table.heads.findIndex((h) => h.path.join('.') === id) + 1})`, (tds) => tds.map((td) => td.dataset.value!));
  const header = page.locator('#summary-table thead th', { hasText: /^p50 µs/ }).locator('button');
  await header.click();
  const up = (await column('latencyNs.p50')).filter((v) => v !== '').map(Number);
  expect(up).toEqual([...up].sort((a, b) => a - b));
  expect((await column('latencyNs.p50')).slice(up.length).every((v) => v === '')).toBe(true);
  await header.click();
  const down = (await column('latencyNs.p50')).filter((v) => v !== '').map(Number);
  expect(down).toEqual([...down].sort((a, b) => b - a));
  expect(await page.locator('#summary-table thead th', { hasText: /^p50 µs/ }).getAttribute('aria-sort')).toBe('descending');
  await page
    .locator('#summary-table thead th', { hasText: /^strategy/ })
    .locator('button')
    .click();
  const labels = await column('label');
  expect(labels).toEqual([...labels].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));

  if (shot) {
    // Back to the order of results.json, parameters closed again, for the picture.
    await page.reload();
    await page.screenshot({ path: path.join(ARTIFACTS, `${shot}.png`), fullPage: true });
  }
  expect(problems).toEqual([]);
  await page.close();
  return figures;
}

/** `tdx-shbuf report <dir>` on a results.json written there. */
async function reportFrom(name: string, results: unknown): Promise<string> {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results, null, 2));
  const r = await runCli(['report', dir]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('report.html in headless Chromium', () => {
  it('v2 fixture (every strategy, sizes × poll/interrupt, an unexpected error, a leak, a violation)', async () => {
    const figures = await checkReport(await reportFrom('seed', seedFixture()), 'report');
    const ids = figures.filter((f) => f.drawn).map((f) => f.id);
    for (const id of ['phases', 'latency', 'sweep-workload-bytes-overheadUs', 'sweep-workload-driver-completion-overheadUs', 'direct-map-0', 'shared-0', 'errors']) expect(ids).toContain(id);
  });

  it('v2 fixture with runs that could not run (GHCI buffers to 4 MiB, 1 and 4 clients)', async () => {
    await checkReport(await reportFrom('ghci', ghciFixture()));
  });

  it('a results.json the sweep runner wrote (schema 2, with sensitivity)', async () => {
    await checkReport(await reportFrom('runner', runnerResults()), 'report-runner');
  });

  it('a v1 results.json from before schema 2 (tdx-shbuf report <old dir>)', async () => {
    const figures = await checkReport(await reportFrom('v1', v1Results()));
    expect(figures.find((f) => f.id === 'phases')?.drawn).toBe(true); // the p50 overhead instead of phases
  });

  it('a real small run of the CLI', async () => {
    const dir = path.join(scratch, 'run');
    const file = path.join(scratch, 'small.yaml');
    writeFileSync(
      file,
      [
        'name: small',
        'description: two strategies, two sizes, three quotes each',
        'platform: { memoryBytes: 2GiB, vcpus: 2 }',
        'workload: { kind: quote, requests: 3, bytes: [8KiB, 128KiB], driver: { completion: interrupt } }',
        'strategies: [direct-map, [dma-swiotlb, { mode: streaming }], open-coded]',
        '',
      ].join('\n'),
    );
    const r = await runCli(['run', file, '--out', dir, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    await checkReport(dir, 'report-run');
  });
});
