/**
 * Cost signatures of the first-party strategies: what ONE quote-sized request
 * (8 KiB: init + alloc + request + free) costs on a fresh 16 GiB, 8-vCPU guest,
 * counted by the model from right before init() (boot excluded), and where
 * its time goes by phase. Rewrites the tables
 * between <!-- signatures:start --> and <!-- signatures:end --> in README.md;
 * `--check` exits 1 when that table is stale instead of writing it.
 *
 *   node --conditions=source --import tsx scripts/cost-signatures.ts [--check]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GiB, type CounterName, type StrategyDefinition } from '@tdx-shbuf/core';
import { measureCostSignature, type CostSignature } from '@tdx-shbuf/conformance/signature';
import directMap from '@tdx-shbuf/strategy-direct-map';
import vmapNoalias from '@tdx-shbuf/strategy-vmap-noalias';
import openCoded from '@tdx-shbuf/strategy-open-coded';
import dmaSwiotlb from '@tdx-shbuf/strategy-dma-swiotlb';
import sharedPool from '@tdx-shbuf/strategy-shared-pool';

export const REQUEST_BYTES = 8 * 1024;
export const PLATFORM = { memoryBytes: 16 * GiB, vcpus: 8 } as const;

/** Counters in the table, in order, with their column titles. */
export const COLUMNS: readonly (readonly [CounterName, string])[] = [
  ['directMapLevel3Splits', '1G splits'],
  ['directMapLevel2Splits', '2M splits'],
  ['pagesConvertedToShared', 'pages → shared'],
  ['pagesConvertedToPrivate', 'pages → private'],
  ['mapGpaCalls', 'MapGPA calls'],
  ['accepts4k', 'accepts 4K'],
  ['accepts2m', 'accepts 2M'],
  ['tlbFlushPages', 'TLB page flushes'],
  ['tlbFlushFull', 'full TLB flushes'],
  ['ipis', 'IPIs'],
  ['ipiSendExits', 'IPI send exits'],
  ['cacheLinesFlushed', 'cache lines flushed'],
  ['bytesBounced', 'bytes bounced'],
  ['hazardUnalignedZeropad', 'zeropad hazards'],
  ['acceptMemoryBlocks', 'first-touch accepts'],
  ['kexecUnsafeSharedPagesPeak', 'kexec-unsafe pages'],
];

export interface Variant {
  readonly label: string;
  readonly strategy: StrategyDefinition;
  readonly options: Record<string, unknown>;
}

export const VARIANTS: readonly Variant[] = [
  { label: 'direct-map', strategy: directMap, options: {} },
  { label: 'direct-map `convert: per-request`', strategy: directMap, options: { convert: 'per-request' } },
  { label: 'vmap-noalias', strategy: vmapNoalias, options: {} },
  { label: 'vmap-noalias `guardPage: true`', strategy: vmapNoalias, options: { guardPage: true } },
  { label: 'open-coded', strategy: openCoded, options: {} },
  { label: 'open-coded `preallocateBytes: 16384`', strategy: openCoded, options: { preallocateBytes: 16384 } },
  { label: 'open-coded `tlbFlush: true`', strategy: openCoded, options: { tlbFlush: true } },
  { label: 'dma-swiotlb `mode: streaming`', strategy: dmaSwiotlb, options: { mode: 'streaming' } },
  { label: 'dma-swiotlb `mode: coherent`', strategy: dmaSwiotlb, options: { mode: 'coherent' } },
  { label: 'dma-swiotlb `mode: atomic`', strategy: dmaSwiotlb, options: { mode: 'atomic' } },
  { label: 'shared-pool', strategy: sharedPool, options: {} },
  { label: 'shared-pool `shrinkIdleMs: 0, initialBlocks: 0`', strategy: sharedPool, options: { shrinkIdleMs: 0, initialBlocks: 0 } },
];

/** Where the time goes: the phase counters in the second table, with their column titles. */
export const PHASES: readonly (readonly [CounterName, string])[] = [
  ['nsMapGpa', 'MapGPA'],
  ['nsAccept', 'accept'],
  ['nsTlbIpi', 'TLB flush + IPIs'],
  ['nsCacheFlush', 'cache flush'],
  ['nsSplit', 'splits'],
  ['nsCopy', 'copies, zeroing'],
  ['nsHost', 'host (SEPT, EPT, AUG)'],
  ['nsTdcall', 'other TDCALLs'],
  ['nsTdvmcall', 'other TDVMCALLs'],
  ['nsOther', 'other'],
];

/** init + alloc(8 KiB) + the request + free on a fresh guest; counter deltas from right before init. */
export async function signatureOf(strategy: StrategyDefinition, options: Record<string, unknown>): Promise<CostSignature> {
  const s = await measureCostSignature(strategy, options, { bytes: REQUEST_BYTES, platform: PLATFORM });
  if (s.violations.length) throw new Error(`${strategy.meta.name}: ${s.violations.join('; ')}`);
  return s;
}

const us = (ns: number) => (ns / 1000).toFixed(1);

export async function renderTable(): Promise<string> {
  const phaseHead = ['strategy', ...PHASES.map(([, t]) => t), 'all work µs'];
  const rows: string[][] = [];
  const phaseRows: string[][] = [];
  let horizonS = 0;
  for (const v of VARIANTS) {
    const s = await signatureOf(v.strategy, v.options);
    horizonS = s.fragmentation.horizonS;
    rows.push([v.label, ...COLUMNS.map(([k]) => String(s.counters[k])), us(s.ns), us(Math.max(0, s.workNs - s.ns)), us(s.fragmentation.costNs)]);
    phaseRows.push([v.label, ...PHASES.map(([k]) => us(s.counters[k])), us(s.workNs)]);
  }
  const head = ['strategy', ...COLUMNS.map(([, t]) => t), 'modeled µs', 'kworker µs', `fragmentation µs over ${horizonS} s`];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const table = (h: string[], r: string[][]) => [line(h), line(h.map((_, i) => (i === 0 ? '---' : '---:'))), ...r.map(line)];
  return [
    `Cost signature of one quote-sized request (${REQUEST_BYTES / 1024} KiB: \`init\` + \`alloc\` + the driver writing its request and syncing it for the device + \`free\`) on a fresh`,
    '16 GiB, 8-vCPU guest, counted by the model from right before `init()` (boot excluded), with the work the request queued for',
    'a kworker. TLB flushes are summed over CPUs; every split costs one `flush_tlb_all()` on all 8 CPUs; each shootdown is one',
    'x2APIC ICR write (a #VE and a TDVMCALL). *First-touch accepts*: unaccepted MAX_PAGE_ORDER blocks the page allocator accepted;',
    '*kexec-unsafe pages*: the most shared pages `tdx_kexec_finish()` would not have found (no decrypted direct-map PTE).',
    "*modeled µs* is the requesting task's own work; *kworker µs* what a kworker did for it (the atomic pool growing);",
    "*fragmentation*: the guest workload's throughput lost to the splits left behind, as CPU time over the horizon on all vCPUs",
    '(docs/model.md §8), never part of *modeled µs*.',
    'Generated by `node --conditions=source --import tsx scripts/cost-signatures.ts`; do not edit by hand.',
    '',
    ...table(head, rows),
    '',
    'Where the modeled time goes, µs over all tasks (the phase counters `nsMapGpa`, `nsAccept`, `nsTlbIpi`, … of `model/sim/metrics.ts`):',
    '',
    ...table(phaseHead, phaseRows),
  ].join('\n');
}

const START = '<!-- signatures:start -->';
const END = '<!-- signatures:end -->';

/** README text with the block between the markers replaced (markers appended when absent). */
export function withTable(readme: string, table: string): string {
  const block = `${START}\n${table}\n${END}`;
  const s = readme.indexOf(START);
  const e = readme.indexOf(END);
  if (s >= 0 && e > s) return readme.slice(0, s) + block + readme.slice(e + END.length);
  if (readme.trim() === '') return `${block}\n`;
  return `${readme}${readme.endsWith('\n') ? '' : '\n'}\n${block}\n`;
}

async function main(): Promise<void> {
  const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
  const check = process.argv.includes('--check');
  const current = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  const next = withTable(current, await renderTable());
  if (check) {
    if (next !== current) {
      console.error('README.md cost-signature table is stale: run `pnpm signatures`');
      process.exit(1);
    }
    console.log('README.md cost-signature table is up to date');
    return;
  }
  if (next !== current) writeFileSync(readmePath, next);
  console.log(next.slice(next.indexOf(START), next.indexOf(END) + END.length));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
