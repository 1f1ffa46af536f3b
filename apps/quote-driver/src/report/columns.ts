/**
 * The summary table's columns, one list for the terminal and the HTML table: where each value
 * sits in results.json (a key path, or the sum of a record), how it is printed, and whether the
 * terminal shows it. Formatting never changes a value: the HTML table keeps the raw one.
 */
import { formatBytes, formatCount, formatAxisValue, formatUs } from './format.js';
import type { ReportModel } from './model.js';
import type { ReportRow } from './results-shape.js';

/**
 * How a column prints its raw value: ns as µs, bytes and kB (meminfo) as sizes, counts,
 * per-second rates (whole), errno counts (`2 EIO, 1 EDATA`; the raw value is their sum), text as is.
 */
export type ColumnUnit = 'ns' | 'bytes' | 'kB' | 'count' | 'rate' | 'errno' | 'text';

export interface Column {
  id: string;
  /** Header text, with the unit. */
  head: string;
  /** A longer explanation (the HTML header's tooltip). */
  help: string;
  /** Where the value is in the row of results.json; `sum` adds up the record found there. */
  path: readonly string[];
  sum?: boolean;
  unit: ColumnUnit;
  /** Numbers sort numerically and align right. */
  numeric: boolean;
  terminal: boolean;
  text(v: unknown): string;
}

/** The errors of a row as the table prints them: `0`, or `32 EIO, 1 EDATA`. */
export function errorsText(errors: Record<string, number>): string {
  const parts = Object.entries(errors)
    .filter(([, n]) => n > 0)
    .map(([errno, n]) => `${formatCount(n)} ${errno}`);
  return parts.length ? parts.join(', ') : '0';
}

/** The text of a cell: the column's format, or for errors the count of each errno. */
export function cellText(c: Column, row: ReportRow): string {
  return c.unit === 'errno' ? errorsText(row.errors) : c.text(columnValue(c, row));
}

/** The value a column shows for a row, straight from results.json. */
export function columnValue(c: Column, row: ReportRow): unknown {
  let v: unknown = row;
  for (const k of c.path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  if (c.sum) return v !== null && typeof v === 'object' ? Object.values(v as Record<string, number>).reduce((a, b) => a + b, 0) : undefined;
  return v;
}

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const FORMAT: Record<Exclude<ColumnUnit, 'text' | 'errno'>, (v: number | undefined) => string> = {
  ns: formatUs,
  bytes: formatBytes,
  kB: (v) => (v === undefined ? '—' : formatBytes(v * 1024)),
  count: formatCount,
  rate: (v) => (v === undefined ? '—' : formatCount(Math.round(v))),
};
const col = (id: string, head: string, help: string, path: string[], unit: Exclude<ColumnUnit, 'text' | 'errno'>, terminal = true, sum = false): Column => ({
  id,
  head,
  help,
  path,
  unit,
  numeric: true,
  terminal,
  ...(sum ? { sum } : {}),
  text: (v) => FORMAT[unit](num(v)),
});
const counter = (name: string, head: string, help: string, terminal = true) => col(name, head, help, ['counters', name], 'count', terminal);
const textCol = (id: string, head: string, help: string, path: string[], text: (v: unknown) => string = String): Column => ({
  id,
  head,
  help,
  path,
  unit: 'text',
  numeric: false,
  terminal: true,
  text,
});

/** The columns for `m`: strategy, one per swept axis, the seed when there are several, then the figures. */
export function columnsFor(m: ReportModel): Column[] {
  const seeds = new Set(m.res.rows.map((r) => r.seed));
  const v1 = !m.rows.some((r) => r.row.coordinates || r.row.strategy);
  // v1 rows carry the size and client count at the top level.
  const axisCols = m.axes.map((a) => ({
    ...textCol(`axis:${a.key}`, a.title, `swept: ${a.key}`, v1 ? [a.key.replace(/^workload\./, '')] : ['coordinates', a.key], (v) => formatAxisValue(a.key, v)),
    numeric: a.numeric,
  }));
  return [
    textCol('strategy', 'strategy', 'strategy as configured', v1 ? ['label'] : ['strategy', 'label']),
    ...axisCols,
    ...(seeds.size > 1 ? [col('seed', 'seed', 'run seed', ['seed'], 'count')] : []),
    col('overhead', 'overhead µs', 'p50 latency minus the host service time', ['overheadP50Ns'], 'ns'),
    col('p50', 'p50 µs', 'median request latency', ['latencyNs', 'p50'], 'ns'),
    col('p95', 'p95 µs', '95th percentile latency', ['latencyNs', 'p95'], 'ns', false),
    col('p99', 'p99 µs', '99th percentile latency', ['latencyNs', 'p99'], 'ns'),
    col('max', 'max µs', 'slowest request', ['latencyNs', 'max'], 'ns', false),
    col('throughput', 'req/s', 'completed requests per second of modeled time', ['throughputPerSec'], 'rate'),
    counter('directMapLevel3Splits', '1G splits', 'direct_map_level3_splits: 1 GiB → 2 MiB pages'),
    counter('directMapLevel2Splits', '2M splits', 'direct_map_level2_splits: 2 MiB → 4 KiB pages'),
    counter('pagesConvertedToShared', '→shared', 'pages converted private → shared'),
    counter('pagesConvertedToPrivate', '→private', 'pages converted shared → private (accepted again)'),
    counter('mapGpaCalls', 'MapGPA', 'TDVMCALL<MapGPA> hypercalls'),
    counter('tlbFlushFull', 'full TLB', 'full TLB flushes, summed over CPUs'),
    counter('ipis', 'IPIs', 'IPIs sent for TLB shootdowns'),
    col('bounced', 'bounced', 'bytes copied to or from SWIOTLB slots', ['counters', 'bytesBounced'], 'bytes'),
    col('sharedPeak', 'shared peak', 'peak memory shared beyond the boot pools', ['sharedBytes', 'peak'], 'bytes'),
    col('sharedMean', 'shared mean', 'time-weighted mean shared beyond the boot pools', ['sharedBytes', 'mean'], 'bytes', false),
    col('directMap4k', 'DirectMap4k', 'DirectMap4k at the end of the run', ['directMap', 'DirectMap4k'], 'kB', false),
    counter('hazardUnalignedZeropad', 'zeropad', 'load_unaligned_zeropad hazards: a private alias of a shared page right after in-use memory'),
    counter('acceptMemoryBlocks', '1st-touch', 'unaccepted 4 MiB blocks the page allocator had to accept first (cond_accept_memory)'),
    counter('kexecUnsafeSharedPagesPeak', 'kexec-unsafe', 'most pages shared without a decrypted direct-map PTE: tdx_kexec_finish would leave them shared'),
    col(
      'fragmentation',
      'frag. µs',
      "the guest workload's CPU time lost to the direct-map splits left behind, over platform.fragmentation.horizonS (not in the overhead)",
      ['fragmentation', 'costNs'],
      'ns',
    ),
    counter('leakedPages', 'leaked', 'pages leaked because they could not be made private again'),
    col('served', 'served', 'requests that returned without an errno (of clients × requests issued; a quote that does not carry its REPORTDATA also counts under EDATA)', ['completed'], 'count'),
    { ...textCol('status', 'status', 'ok; n/a: the strategy cannot serve this workload; error: init failed', ['status']), terminal: false },
    {
      id: 'errors',
      head: 'errors',
      help: 'failed requests by errno (EDATA: data the other side did not see intact)',
      path: ['errors'],
      sum: true,
      unit: 'errno',
      numeric: true,
      terminal: true,
      text: () => '',
    },
    col('violations', 'violations', 'invariant violations recorded', ['violations'], 'count', true, true),
  ];
}
