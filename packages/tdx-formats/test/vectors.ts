/**
 * Real TDX vectors, kept in this package's test/vectors/ with their licences
 * and origins (test/vectors/README.md). A missing file throws, so tests fail
 * instead of skipping.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory holding the vectors. */
export const VECTORS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'vectors');

/** File names, as listed in the vectors README. */
export const VECTOR_FILES = {
  quoteV4: 'quote_v4_go-tdx-guest_tdx_prod_quote_SPR_E4.dat',
  quoteV5: 'quote_v5_go-tdx-guest_quote_v5_sample.dat',
  tdReport: 'tdreport_intel-dcap_tdreport_for_test.dat',
} as const;

/** Read one vector as a fresh Uint8Array; throws (ENOENT) when absent. */
export function readVector(name: keyof typeof VECTOR_FILES): Uint8Array {
  const file = path.join(VECTORS_DIR, VECTOR_FILES[name]);
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new Error(`TDX test vector missing: ${file}`, { cause: e });
  }
}

/** A copy of `bytes` with byte `at` XORed with `mask`. */
export function flipByte(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const out = bytes.slice();
  out[at] = (out[at] ?? 0) ^ mask;
  return out;
}
