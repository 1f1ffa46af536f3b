/**
 * The shared pool against every other strategy, from experiment results: one
 * markdown table per results.json with what the README's comparison quotes —
 * guest overhead (p50 and mean), direct-map splits, conversions, MapGPA, IPIs,
 * shared memory held (peak and time-weighted mean, beyond the boot pools),
 * kexec-unsafe shared pages, leaks and errors.
 *
 *   node apps/quote-driver/dist/cli.js run experiments/seed-thread.yaml
 *   node apps/quote-driver/dist/cli.js run experiments/ghci-service.yaml
 *   node --import tsx scripts/pool-comparison.ts runs/seed-thread runs/ghci-service
 *
 * kexec-unsafe: the most shared pages tdx_kexec_finish() could not have found
 * at any moment of the run, because their direct-map PTE stays private. The
 * model's `kexecUnsafeSharedPagesPeak` gauge is used when results carry it (the
 * end-of-run `kexecUnsafeSharedPages` is 0 after a clean shutdown, so it says
 * nothing); otherwise the figure is derived (marked ≈):
 * the shared peak of a strategy that declares privateAliasWhileShared, 0 for
 * one that does not.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fields of a results.json row this script reads (apps/quote-driver RunRow). */
interface Row {
  label: string;
  bytes: number;
  status: 'ok' | 'n/a' | 'error';
  serviceNs?: number;
  overheadP50Ns?: number;
  latencyNs?: { mean: number };
  counters?: Record<string, number>;
  capabilities?: { privateAliasWhileShared: boolean };
  sharedBytes?: { peak: number; mean: number };
  errors: Record<string, number>;
}

const KiB = 1024;
const size = (b: number) => (b >= KiB * KiB ? `${+(b / KiB / KiB).toFixed(1)} MiB` : b >= KiB ? `${+(b / KiB).toFixed(1)} KiB` : `${b} B`);
const us = (ns: number | undefined) => (ns === undefined ? '—' : (ns / 1000).toFixed(ns < 100_000 ? 1 : 0));

function kexecUnsafe(r: Row): string {
  const counted = r.counters?.kexecUnsafeSharedPagesPeak;
  if (counted !== undefined) return String(counted);
  if (!r.capabilities || !r.sharedBytes) return '—';
  return r.capabilities.privateAliasWhileShared ? `≈${r.sharedBytes.peak / 4096}` : '0';
}

const HEAD = [
  'strategy',
  'size',
  'overhead p50 µs',
  'overhead mean µs',
  '1G/2M splits',
  '→shared',
  '→private',
  'MapGPA',
  'IPIs',
  'shared peak',
  'shared mean',
  'kexec-unsafe pages',
  'leaked',
  'errors',
];

/** One markdown row per run; runs a strategy could not serve say why in one cell. */
export function renderRow(r: Row): string[] {
  if (r.status !== 'ok' || !r.counters) return [r.label, size(r.bytes), `${r.status}`, ...HEAD.slice(3).map(() => '')];
  const c = r.counters;
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  return [
    r.label,
    size(r.bytes),
    us(r.overheadP50Ns),
    us(r.latencyNs && r.serviceNs !== undefined ? r.latencyNs.mean - r.serviceNs : undefined),
    `${c.directMapLevel3Splits}/${c.directMapLevel2Splits}`,
    String(c.pagesConvertedToShared),
    String(c.pagesConvertedToPrivate),
    String(c.mapGpaCalls),
    String(c.ipis),
    r.sharedBytes ? size(r.sharedBytes.peak) : '—',
    r.sharedBytes ? size(Math.round(r.sharedBytes.mean)) : '—',
    kexecUnsafe(r),
    String(c.leakedPages),
    String(errors),
  ];
}

export function renderComparison(name: string, rows: readonly Row[]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [`**${name}**`, '', line(HEAD), line(HEAD.map((_, i) => (i < 2 ? '---' : '---:'))), ...rows.map((r) => line(renderRow(r)))].join('\n');
}

function main(): void {
  const dirs = process.argv.slice(2);
  if (dirs.length === 0) {
    console.error('usage: node --import tsx scripts/pool-comparison.ts <run dir with results.json>…');
    process.exit(2);
  }
  for (const dir of dirs) {
    const file = path.join(dir, 'results.json');
    let res: { name: string; rows: Row[] };
    try {
      res = JSON.parse(readFileSync(file, 'utf8')) as { name: string; rows: Row[] };
    } catch (e) {
      console.error(`${file}: ${(e as Error).message.split('\n')[0]}`);
      process.exit(1);
    }
    console.log(`${renderComparison(res.name, res.rows)}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
