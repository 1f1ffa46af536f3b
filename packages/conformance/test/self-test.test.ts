import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startVitest } from 'vitest/node';
import type { TestModule } from 'vitest/node';
import type { Flaw } from './fixtures/strategy.js';

/**
 * The suite tests itself for real: a nested vitest run applies
 * describeAllocatorConformance to the reference strategy and to one broken
 * variant per fixture file (test/fixtures/<flaw>.conformance.ts), and we read
 * the run's results. The reference must pass everything; each broken variant
 * must fail, in the group that names its flaw.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Outcome {
  passed: string[];
  failed: string[];
  skipped: string[];
}

const outcomes = new Map<string, Outcome>();
/** Where the reference fixture writes the most it held live at once. */
const peakFile = path.join(mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-self-test-')), 'peak.json');

beforeAll(async () => {
  const exitCode = process.exitCode;
  process.env.TDX_SHBUF_LIVE_PEAK_FILE = peakFile;
  const vitest = await startVitest(
    'test',
    [],
    { root, config: false, watch: false, testTimeout: 30_000, include: ['test/fixtures/*.conformance.ts'], reporters: [{}], silent: true },
    { resolve: { conditions: ['source'] }, ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } } },
  );
  try {
    for (const mod of vitest.state.getTestModules() as TestModule[]) {
      const flaw = path.basename(mod.moduleId, '.conformance.ts');
      const o: Outcome = { passed: [], failed: [], skipped: [] };
      for (const t of mod.children.allTests()) o[t.result().state === 'failed' ? 'failed' : t.result().state === 'passed' ? 'passed' : 'skipped'].push(t.fullName);
      outcomes.set(flaw, o);
    }
  } finally {
    await vitest.close();
    process.exitCode = exitCode; // the nested run sets it on failures, which are expected here
  }
}, 120_000);

const GROUP = {
  roundTrip: 'alloc/free round trip',
  sizes: 'sizes from 1 byte to the size it was created for',
  invariants: 'every invariant holds after every operation',
  leak: 'a failed conversion back to private leaks (counted) instead of returning shared memory',
  enomem: 'ENOMEM is an error value and loses nothing',
  shutdown: 'shutdown leaves no shared page except counted leaks and the boot-time pools',
  capabilities: 'declared capabilities hold',
} as const;

/** Each broken variant: groups that must report a failure, and whether failures must stay inside them. */
const BROKEN: [Exclude<Flaw, 'none'>, string[], 'only these groups' | 'anywhere else too'][] = [
  ['frees-shared-pages', [GROUP.roundTrip, GROUP.invariants, GROUP.shutdown, GROUP.leak], 'anywhere else too'],
  ['frees-unconvertible-pages', [GROUP.leak], 'only these groups'],
  ['throws-on-enomem', [GROUP.enomem], 'only these groups'],
  ['ignores-max-bytes', [GROUP.sizes], 'only these groups'],
  ['undeclared-direct-map', [GROUP.capabilities], 'only these groups'],
];

describe('self-test: the suite passes a correct strategy and fails broken ones', () => {
  it('the nested run saw every fixture file', () => {
    expect([...outcomes.keys()].sort()).toEqual(['none', ...BROKEN.map(([f]) => f)].sort());
  });

  it('the reference strategy passes every test that its capabilities enable', () => {
    const o = outcomes.get('none')!;
    expect(o.failed).toEqual([]);
    expect(o.passed.length).toBeGreaterThanOrEqual(30);
    // Only capability-gated tests skip: touchesDirectMap is per-alloc, so the never/init checks do not apply.
    expect(o.skipped.every((n) => n.includes('(declared touchesDirectMap:'))).toBe(true);
  });

  it.each(BROKEN)('%s fails the suite', (flaw, groups, scope) => {
    const o = outcomes.get(flaw)!;
    for (const g of groups)
      expect(
        o.failed.filter((n) => n.includes(g)),
        `failures in "${g}"`,
      ).not.toEqual([]);
    if (scope === 'only these groups') expect(o.failed.filter((n) => !groups.some((g) => n.includes(g)))).toEqual([]);
  });

  it('the suite never needs more than maxBytes + 68 KiB (maxBytes/4 KiB + 17 pages) live in one allocator, as docs/writing-a-strategy.md says', () => {
    const peak = JSON.parse(readFileSync(peakFile, 'utf8')) as { maxBytes: number; bytes: number; pages: number };
    expect(peak.maxBytes).toBe(64 * 1024);
    // concurrency group: 1 + 4097 + 12305 bytes beside maxBytes; the mixed sequence keeps three live (64 KiB + 4 KiB + maxBytes at most)
    expect(peak.bytes).toBeGreaterThan(peak.maxBytes);
    expect(peak.bytes).toBeLessThanOrEqual(peak.maxBytes + 68 * 1024);
    expect(peak.pages).toBeLessThanOrEqual(Math.ceil(peak.maxBytes / 4096) + 17);
  });
});
