/** Number formats shared by the terminal table, the HTML table and chart captions. */
import { formatSize, formatSizeApprox } from '../experiment/size.js';

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Nanoseconds as microseconds: one decimal below 100 µs, whole µs (grouped) above; "—" when absent. */
export function formatUs(ns: number | undefined): string {
  if (ns === undefined) return '—';
  const us = ns / 1000;
  return Math.abs(us) < 100 ? us.toFixed(1) : grouped.format(Math.round(us));
}

/** A count: grouped digits, one decimal if not whole; "—" when absent. */
export function formatCount(n: number | undefined): string {
  if (n === undefined) return '—';
  return Number.isInteger(n) ? grouped.format(n) : n.toFixed(1);
}

/** Bytes, rounded for tables (137.8 KiB, 512 B; a time-weighted mean of 6e-8 B is 0 B); "—" when absent. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '—';
  return Math.abs(n) < 1024 ? `${Math.round(n)} B` : formatSizeApprox(n);
}

/** Nanoseconds in the unit that reads best, three significant digits: 850 ns, 6.80 µs, 4.01 ms, 1.00 s. */
export function formatDuration(ns: number): string {
  const units = [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'µs'],
  ] as const;
  for (const [scale, unit] of units) {
    // 999.96 µs rounds to "1.00e+3": it belongs to the next unit up, which the loop already tried.
    if (Math.abs(ns) >= scale * 0.9995) return `${(ns / scale).toPrecision(3)} ${unit}`;
  }
  return `${Math.round(ns)} ns`;
}

/** A sweep coordinate as people write it: sizes for `…bytes`/`…Bytes` keys, durations for `…Ns`, "4 clients"; other numbers with their key's name, words as they are. */
export function formatAxisValue(key: string, v: unknown): string {
  if (typeof v === 'number') {
    if (/bytes$/i.test(key)) return formatSize(v);
    if (/Ns$/.test(key)) return formatDuration(v);
    if (/Ms$/.test(key)) return `${v} ms`;
    if (/clients$/.test(key)) return `${v} client${v === 1 ? '' : 's'}`;
    return `${key.split('.').pop()} ${v}`;
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A strategy label short enough for a chart: `dma-swiotlb {mode: "coherent"}` → `dma-swiotlb mode=coherent`. */
export function shortLabel(label: string): string {
  const m = /^(\S+) \{(.*)\}$/.exec(label);
  if (!m) return label;
  const opts = m[2]!.split(/, (?=\w+: )/).map((kv) => kv.replace(/^(\w+): /, '$1=').replace(/"/g, ''));
  return `${m[1]} ${opts.join(' ')}`;
}
