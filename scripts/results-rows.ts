/**
 * results.json as the repository's scripts read it (docs/results-format.md):
 * rows of schema version 2, with their point's coordinates and label and the
 * strategy's label. A version 1 file (before sweeps: `label` and `bytes` at
 * the top of each row, no coordinates) is read as the one-axis sweep over
 * `workload.bytes` it was, so an old run can still be compared with a new one.
 */
import { readFileSync } from 'node:fs';

/** The fields of a row the scripts use. */
export interface ResultRow {
  readonly pointId: string;
  /** The point's label (`bytes=8 KiB, clients=4`), '' when nothing is swept. */
  readonly point: string;
  readonly coordinates: Readonly<Record<string, unknown>>;
  /** The strategy's label as in the experiment's `strategies`. */
  readonly strategy: string;
  readonly status: string;
  readonly requests: number;
  readonly overheadP50Ns?: number;
  readonly overheadMeanNs?: number;
  readonly counters?: Readonly<Record<string, number>>;
  readonly sharedBytes?: { readonly peak: number; readonly mean: number };
  readonly errors: Readonly<Record<string, number>>;
}

export interface Results {
  readonly name: string;
  /** Swept keys in enumeration order (dotted paths). */
  readonly axes: readonly string[];
  readonly rows: readonly ResultRow[];
}

const KiB = 1024;
/** Bytes as the CLI prints them: `8 KiB`, `1 MiB`, `195.6 KiB`. */
export const size = (b: number) => (b >= KiB * KiB ? `${+(b / KiB / KiB).toFixed(1)} MiB` : b >= KiB ? `${+(b / KiB).toFixed(1)} KiB` : `${b} B`);
/** Nanoseconds as µs: one decimal below 100 µs, none above. */
export const us = (ns: number) => (ns / 1000).toFixed(Math.abs(ns) < 100_000 ? 1 : 0);
/** An axis value as a table cell: sizes for `workload.bytes`, the value otherwise. */
export const axisCell = (key: string, v: unknown) => (key === 'workload.bytes' && typeof v === 'number' ? size(v) : String(v));
/** The last part of a dotted key: `workload.driver.completion` → `completion`. */
export const axisTitle = (key: string) => key.slice(key.lastIndexOf('.') + 1);

/** Work charged over the run, all tasks (kworkers included): the sum of the `ns*` phase counters. */
export function workNs(counters: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const [k, v] of Object.entries(counters)) if (/^ns[A-Z]/.test(k)) n += v;
  return n;
}

interface RawRow {
  pointId?: string;
  coordinates?: Record<string, unknown>;
  strategy?: { label: string };
  label?: string;
  bytes?: number;
  status: string;
  requests: number;
  overheadP50Ns?: number;
  overheadNs?: { mean: number };
  latencyNs?: { mean: number };
  serviceNs?: number;
  counters?: Record<string, number>;
  sharedBytes?: { peak: number; mean: number };
  errors?: Record<string, number>;
}

/** Parse a results.json text; throws an Error with a one-line message when it is not one. */
export function parseResults(text: string): Results {
  const raw = JSON.parse(text) as { schemaVersion?: number; name?: string; matrix?: { key: string }[]; points?: { id: string; label: string }[]; rows?: RawRow[] };
  if (!Array.isArray(raw.rows)) throw new Error('no "rows" array: not a results.json');
  if (raw.schemaVersion !== undefined && raw.schemaVersion !== 2) throw new Error(`schemaVersion ${raw.schemaVersion}: this script reads versions 1 and 2`);
  const v1 = raw.schemaVersion === undefined;
  const pointLabels = new Map((raw.points ?? []).map((p) => [p.id, p.label]));
  const rows = raw.rows.map((r, i): ResultRow => {
    const strategy = v1 ? r.label : r.strategy?.label;
    if (typeof strategy !== 'string') throw new Error(`rows[${i}]: no strategy label`);
    const coordinates = v1 ? { 'workload.bytes': r.bytes } : (r.coordinates ?? {});
    const pointId = v1 ? `bytes=${r.bytes}` : (r.pointId ?? '');
    const mean = r.overheadNs?.mean ?? (r.latencyNs && r.serviceNs !== undefined ? r.latencyNs.mean - r.serviceNs : undefined);
    return {
      pointId,
      point: v1 ? `bytes=${size(r.bytes ?? 0)}` : (pointLabels.get(pointId) ?? ''),
      coordinates,
      strategy,
      status: r.status,
      requests: r.requests,
      overheadP50Ns: r.overheadP50Ns,
      overheadMeanNs: mean,
      counters: r.counters,
      sharedBytes: r.sharedBytes,
      errors: r.errors ?? {},
    };
  });
  return { name: raw.name ?? '', axes: v1 ? ['workload.bytes'] : (raw.matrix ?? []).map((a) => a.key), rows };
}

/** Read `file`; throws an Error whose message names the file and what is wrong, in one line. */
export function readResults(file: string): Results {
  try {
    return parseResults(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
}
