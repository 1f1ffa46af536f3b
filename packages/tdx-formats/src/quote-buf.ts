/**
 * `struct tdx_quote_buf` (Linux drivers/virt/coco/tdx-guest/tdx-guest.c,
 * docs/model.md §6): u64 version, u64 status, u32 in_len, u32 out_len, u8 data[].
 * u64 fields are bigint.
 */
import { ByteReader, ByteWriter } from './bytes.js';

/** Header size before `data`, docs/model.md §6. */
export const QUOTE_BUF_HEADER_SIZE = 24;
/** The only header version the guest writes and QEMU accepts, docs/model.md §5/§6. */
export const QUOTE_BUF_VERSION = 1n;

/** GetQuote status values written by the VMM, docs/model.md §6 (Linux GET_QUOTE_*). */
export const QUOTE_BUF_STATUS = {
  SUCCESS: 0n,
  IN_FLIGHT: 0xffff_ffff_ffff_ffffn,
  ERROR: 0x8000_0000_0000_0000n,
  SERVICE_UNAVAILABLE: 0x8000_0000_0000_0001n,
} as const;

/** A parsed tdx_quote_buf; `data` is everything after the header (the whole shared buffer tail). */
export interface QuoteBuf {
  version: bigint;
  status: bigint;
  inLen: number;
  outLen: number;
  data: Uint8Array;
}

/** Parse a shared buffer (≥ 24 bytes). Lengths are not trusted here: use {@link quoteBufPayload}. Throws only FormatError. */
export function parseQuoteBuf(bytes: Uint8Array): QuoteBuf {
  const r = new ByteReader(bytes, 'tdx_quote_buf');
  return { version: r.u64('version'), status: r.u64('status'), inLen: r.u32('in_len'), outLen: r.u32('out_len'), data: r.rest() };
}

/** Serialize header + data. Throws only FormatError. */
export function serializeQuoteBuf(buf: QuoteBuf): Uint8Array {
  const w = new ByteWriter('tdx_quote_buf');
  w.u64(buf.version, 'version').u64(buf.status, 'status').u32(buf.inLen, 'in_len').u32(buf.outLen, 'out_len');
  return w.bytes(buf.data, 'data').finish();
}

/**
 * The first in_len (`'in'`) or out_len (`'out'`) bytes of data, bounds-checked
 * as the v7.0 driver does for out_len (-EFBIG in the kernel; FormatError here).
 */
export function quoteBufPayload(buf: QuoteBuf, which: 'in' | 'out'): Uint8Array {
  const len = which === 'in' ? buf.inLen : buf.outLen;
  if (len > buf.data.length) {
    const r = new ByteReader(new Uint8Array(0), 'tdx_quote_buf');
    throw r.error(which === 'in' ? 'in_len' : 'out_len', which === 'in' ? 16 : 20, String(len), `at most ${buf.data.length} (buffer size − 24)`);
  }
  return buf.data.slice(0, len);
}
