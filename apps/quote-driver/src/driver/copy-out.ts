import { fail, ok, type Machine, type Result, type SharedBuffer } from '@tdx-shbuf/core';
import { OFF, readU32, readU64, SUCCESS } from './quote-buf-io.js';

/** kvmalloc() refuses sizes above INT_MAX (mm/util.c). */
const INT_MAX = 0x7fff_ffff;

/** What tdx_report_new() needs to copy a completed quote out. */
export interface CopyOut {
  readonly m: Machine;
  readonly buf: SharedBuffer;
  /** GET_QUOTE_BUF_SIZE: the buffer the host was given. */
  readonly bufferBytes: number;
  readonly checks: 'v6.7' | 'v7.0';
  /** First page frame of the buffer (for violation records). */
  readonly pfn: number;
}

/**
 * After wait_for_quote_completion() returned 0: the checks and the copy of
 * tdx_report_new(), fetch for fetch as each kernel does them, so a host that
 * rewrites the buffer meanwhile is seen as the kernel would see it.
 *
 * v7.0 (the status check of tip/x86/tdx and Zubin Mithra's "Fix handling of
 * host controlled 'quote' buffer length", both in v7.0-rc6):
 *   if (quote_buf->status != GET_QUOTE_SUCCESS) return -EIO;      // status fetched again
 *   out_len = READ_ONCE(quote_buf->out_len);
 *   if (out_len > TDX_QUOTE_MAX_LEN) return -EFBIG;
 *   buf = kvmemdup(quote_buf->data, out_len, GFP_KERNEL);
 *   report->outblob_len = out_len;
 * v6.7–v6.19 (f4738f56d1dc): no status check, and out_len fetched twice:
 *   buf = kvmemdup(quote_buf->data, quote_buf->out_len, GFP_KERNEL);
 *   report->outblob_len = quote_buf->out_len;
 */
export function copyOutQuote(c: CopyOut): Result<Uint8Array> {
  const { m, buf } = c;
  const room = c.bufferBytes - OFF.data; // TDX_QUOTE_MAX_LEN
  if (c.checks === 'v7.0') {
    const status = readU64(buf, OFF.status);
    if (!status.ok) return status;
    if (status.value !== SUCCESS) return fail('EIO', `GetQuote request failed, status:${status.value.toString(16)}`);
  }
  const outLen = readU32(buf, OFF.outLen);
  if (!outLen.ok) return outLen;
  if (outLen.value > room) {
    if (c.checks === 'v7.0') return fail('EFBIG', `out_len ${outLen.value} exceeds the ${room} bytes after the header`);
    // v6.7: kvmemdup(quote_buf->data, quote_buf->out_len) trusts the host.
    if (outLen.value > INT_MAX) return fail('ENOMEM', `kvmemdup of out_len ${outLen.value} bytes fails (above INT_MAX)`);
    m.reportViolation(5, c.pfn, Math.ceil(c.bufferBytes / 4096), `out_len ${outLen.value} not bounds-checked: kvmemdup reads ${outLen.value - room} bytes past the quote buffer`);
    return fail('EFAULT', `out_len ${outLen.value} overruns the buffer by ${outLen.value - room} bytes (an out-of-bounds read of kernel memory on hardware)`);
  }
  // kvmemdup(quote_buf->data, len): the one copy of the quote.
  const s = buf.syncForCpu(OFF.data, outLen.value);
  if (!s.ok) return s;
  const quote = buf.read(OFF.data, outLen.value);
  if (!quote.ok || c.checks === 'v7.0') return quote;
  // v6.7: report->outblob_len = quote_buf->out_len — a second fetch of a host-written field.
  const again = readU32(buf, OFF.outLen);
  if (!again.ok) return again;
  if (again.value === outLen.value) return quote;
  m.reportViolation(5, c.pfn, Math.ceil(c.bufferBytes / 4096), `out_len fetched twice: kvmemdup copied ${outLen.value} bytes, outblob_len says ${again.value}`);
  if (again.value > outLen.value) {
    return fail('EFAULT', `outblob_len ${again.value} is past the ${outLen.value}-byte outblob (reading it is an out-of-bounds read of kernel memory on hardware)`);
  }
  return ok(quote.value.subarray(0, again.value)); // a truncated quote
}
