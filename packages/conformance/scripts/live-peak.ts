/**
 * How much the conformance suite keeps live at once in one allocator, by
 * declared maxBytes: runs the suite on the reference fixture (test/fixtures)
 * for each size and prints the peak live bytes and pages. A strategy with a
 * fixed pool (SWIOTLB, the atomic pool, a preallocated buffer) needs that much
 * room. Figures go to docs/writing-a-strategy.md "Memory".
 *
 *   pnpm --filter @tdx-shbuf/conformance live-peak
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KiB = 1024;
const sizes = (
  process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0) as number[]
).length
  ? process.argv.slice(2).map(Number)
  : [4 * KiB, 8 * KiB, 64 * KiB, 128 * KiB, 256 * KiB, 4096 * KiB];

console.log('| maxBytes | peak live bytes | beyond maxBytes | peak live pages | beyond ⌈maxBytes/4 KiB⌉ |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const maxBytes of sizes) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-live-peak-')), 'peak.json');
  process.env.TDX_SHBUF_LIVE_PEAK_FILE = file;
  process.env.TDX_SHBUF_FIXTURE_MAX_BYTES = String(maxBytes);
  const vitest = await startVitest(
    'test',
    [],
    { root, config: false, watch: false, testTimeout: 30_000, include: ['test/fixtures/none.conformance.ts'], reporters: [{}], silent: true },
    { resolve: { conditions: ['source'] }, ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } } },
  );
  await vitest.close();
  const peak = JSON.parse(readFileSync(file, 'utf8')) as { maxBytes: number; bytes: number; pages: number };
  const maxPages = Math.ceil(maxBytes / 4096);
  console.log(`| ${maxBytes} | ${peak.bytes} | ${peak.bytes - maxBytes} (${((peak.bytes - maxBytes) / KiB).toFixed(1)} KiB) | ${peak.pages} | ${peak.pages - maxPages} |`);
}
process.exitCode = 0;
