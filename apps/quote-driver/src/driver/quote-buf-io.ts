import { fail, ok, type Result, type SharedBuffer } from '@tdx-shbuf/core';
import { QUOTE_BUF_HEADER_SIZE, QUOTE_BUF_STATUS, QUOTE_BUF_VERSION } from '@tdx-shbuf/tdx-formats';

/** struct tdx_quote_buf field offsets (docs/model.md §6): u64 version, u64 status, u32 in_len, u32 out_len, u8 data[]. */
export const OFF = { version: 0, status: 8, inLen: 16, outLen: 20, data: QUOTE_BUF_HEADER_SIZE } as const;
export const { IN_FLIGHT, SUCCESS } = QUOTE_BUF_STATUS;

/**
 * One guest read of a host-written header field: dma_sync_single_for_cpu over
 * exactly the field (so a bounce strategy copies it in), then the load.
 * Every call is one fetch; the driver calls it once per field per decision.
 */
export function readU64(buf: SharedBuffer, off: number): Result<bigint> {
  const s = buf.syncForCpu(off, 8);
  if (!s.ok) return s;
  const r = buf.read(off, 8);
  return r.ok ? ok(new DataView(r.value.buffer, r.value.byteOffset, 8).getBigUint64(0, true)) : r;
}

export function readU32(buf: SharedBuffer, off: number): Result<number> {
  const s = buf.syncForCpu(off, 4);
  if (!s.ok) return s;
  const r = buf.read(off, 4);
  return r.ok ? ok(new DataView(r.value.buffer, r.value.byteOffset, 4).getUint32(0, true)) : r;
}

/**
 * tdx_report_new(): memset(quote_data, 0, GET_QUOTE_BUF_SIZE); version = 1;
 * in_len = TDX_REPORT_LEN; memcpy(data, tdreport) — then
 * dma_sync_single_for_device so the host sees it.
 */
export function fillRequest(buf: SharedBuffer, bytes: number, tdreport: Uint8Array): Result<void> {
  if (bytes > buf.bytes) return fail('EINVAL', `the strategy returned a ${buf.bytes}-byte buffer for a ${bytes}-byte request`);
  const img = new Uint8Array(bytes);
  const dv = new DataView(img.buffer);
  dv.setBigUint64(OFF.version, QUOTE_BUF_VERSION, true);
  dv.setUint32(OFF.inLen, tdreport.length, true);
  img.set(tdreport, OFF.data);
  const w = buf.write(0, img);
  return w.ok ? buf.syncForDevice(0, bytes) : w;
}
