import { z } from 'zod';

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

/** A byte count: a positive integer, or a string such as "8KiB", "16 GiB". */
export const sizeSchema = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(B|KiB|MiB|GiB|TiB)\s*$/, 'expected a size such as 8192, "8KiB" or "16GiB"')
    .transform((s) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(\w+)\s*$/.exec(s)!;
      return Math.round(Number(m[1]) * UNITS[m[2]!]!);
    }),
]);

/** Human form of a byte count: 8 KiB, 2 MiB, 12345 B. */
export function formatSize(bytes: number): string {
  for (const u of ['TiB', 'GiB', 'MiB', 'KiB'] as const) if (bytes >= UNITS[u]! && bytes % UNITS[u]! === 0) return `${bytes / UNITS[u]!} ${u}`;
  return `${bytes} B`;
}

/** Human form rounded for tables: 137.8 KiB, 1.9 MiB, 512 B. */
export function formatSizeApprox(bytes: number): string {
  for (const u of ['TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const v = bytes / UNITS[u]!;
    if (v >= 1) return `${Number.isInteger(v) ? v : v.toFixed(1)} ${u}`;
  }
  return `${bytes} B`;
}
