import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ExperimentResults } from '../experiment/runner.js';
import { ghciFixture, runnerResults, seedFixture, v1Results } from '../../test/report-fixture.js';
import { renderHtml } from './html.js';
import { parseResults, type ReportResults } from './results-shape.js';
import { renderTable } from './terminal.js';

const parse = (x: unknown) => parseResults(JSON.stringify(x));

// The runner's own type is accepted as is (`tdx-shbuf run` hands it over without a round trip through JSON).
const acceptsRunnerResults = (r: ExperimentResults): ReportResults => r;
void acceptsRunnerResults;

describe('report.html', () => {
  it('is self-contained: one inline script allowed by its hash, nothing fetched from anywhere', async () => {
    const html = await renderHtml(parse(seedFixture()));
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toBe('');
    const hash = createHash('sha256').update(scripts[0]![2]!).digest('base64');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    expect(csp).toMatch(/^default-src 'none';/);
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(html).not.toMatch(/\ssrc=/);
    for (const [, href] of html.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^#/);
    expect(html).not.toMatch(/url\((?!#)/);
  });

  it('the same results render to the same bytes, whatever was drawn before and whatever the wall clock said', async () => {
    const a = await renderHtml(parse(seedFixture()));
    await renderHtml(parse(ghciFixture()));
    const later = { ...seedFixture(), timing: { startedAt: '2027-01-01T00:00:00.000Z', wallMs: 99, jobs: 7, perRowWallMs: {} } };
    expect(await renderHtml(parse(later))).toBe(a);
  });

  it('every drawn figure holds an SVG, every omitted one says why; ids are unique', async () => {
    for (const res of [seedFixture(), ghciFixture(), v1Results(), runnerResults()]) {
      const html = await renderHtml(parse(res));
      const figures = [...html.matchAll(/<figure id="([^"]+)" data-chart="(drawn|omitted)">([\s\S]*?)<\/figure>/g)];
      expect(figures.length).toBeGreaterThan(5);
      for (const [, id, kind, body] of figures) expect(body, id).toMatch(kind === 'drawn' ? /<svg[\s\S]*role="graphics-symbol"/ : /class="omitted">Not drawn: \w/);
      const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
      expect(ids.length).toBe(new Set(ids).size);
    }
  });

  it('the table keeps raw values beside the formatted ones; not run, unexpected errors and parameters are shown', async () => {
    const res = ghciFixture();
    Object.assign(res.rows[0]!, { errors: { EIO: 1 }, errorsUnexpected: true });
    const html = await renderHtml(parse(res));
    const row0 = /<tr data-row="0" class="unexpected">([\s\S]*?)<\/tr>/.exec(html)![1]!;
    expect(row0).toContain(`data-value="${res.rows[0]!.latencyNs!.p50}"`);
    expect(row0).toMatch(/<span class="badge"[^>]*>unexpected<\/span>/);
    const notRun = /<section id="not-run">([\s\S]*?)<\/section>/.exec(html)![1]!;
    expect(notRun.match(/<li>/g)).toHaveLength(res.rows.filter((r) => r.status === 'n/a').length);
    expect(notRun).toMatch(/dma-swiotlb \{mode: &quot;streaming&quot;\}<\/b> @ 1 MiB · 1 client — n\/a: Strategy/);
    // parameters collapsed by default
    expect(html).toMatch(/<details><summary>Platform<\/summary>/);
    expect(html).not.toMatch(/<details open><summary>(Platform|Cost)/);
  });

  it('the cheapest strategy per point and whether its ranking survives the cost model are at the top, the detail in its own section', async () => {
    const html = await renderHtml(parse(seedFixture()));
    const glance = /<section class="glance"[\s\S]*?<\/section>/.exec(html)![0];
    expect(glance).toMatch(
      /128 KiB · interrupt<\/b>: least guest overhead [^<]*<span[^>]*><\/span>dma-swiotlb mode=atomic [\s\S]*?<span class="flag">The ranking flips<\/span> with <code>bounceBytesPerNs<\/code> at 4.727 \(its low side; still holds at 4.75\): direct-map now beats dma-swiotlb mode=atomic\.<\/li>/,
    );
    expect(glance).toMatch(/8 KiB · interrupt<\/b>: least guest overhead [\s\S]*?The ranking holds over every cost parameter’s range\.<\/li>/);
    expect(glance).toMatch(/8 KiB · poll<\/b>: every strategy within [\d.]+ % of the others/);
    expect(glance).toMatch(/1 run\(s\) with unexpected errors: vmap-noalias @ 8 KiB · interrupt/);
    const section = /<section id="sensitivity">[\s\S]*?<\/section>/.exec(html)![0];
    expect(section).toMatch(/<td>128 KiB · interrupt<\/td><td>1\. dma-swiotlb mode=atomic&ensp;2\. direct-map&ensp;3\. dma-swiotlb mode=streaming<\/td><td><span class="flag">flips<\/span>/);
    expect(section).toMatch(/<details><summary>Ranges tried \(2\)<\/summary>/);
  });
});

describe('the terminal table', () => {
  it('has a column per swept key and lists what did not run and what failed unexpectedly', () => {
    const res = ghciFixture();
    Object.assign(res.rows[0]!, { errors: { EIO: 1 }, errorsUnexpected: true });
    const t = renderTable(parse(res));
    const [head] = t.split('\n');
    expect(head).toMatch(/^strategy +buffer size +clients +overhead µs/);
    // v2 rows are named by their own label, as the runner writes it
    expect(t).toMatch(/\nnot run:\n {2}dma-swiotlb \{mode: "streaming"\} @ bytes=1 MiB, clients=1: Strategy/);
    expect(t).toMatch(/\nerrors the experiment does not expect \(!\):\n {2}direct-map \{convert: "per-request"\} @ bytes=8 KiB, clients=1: 1 EIO of 25 requests\n/);
    expect(t.split('\n')[2]).toMatch(/ 1 EIO !\s+0$/);
  });
});
