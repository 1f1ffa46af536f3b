import { describe, expect, it } from 'vitest';
import { tryParse } from './errors.js';
import { parseQuoteBuf, QUOTE_BUF_HEADER_SIZE, QUOTE_BUF_STATUS, quoteBufPayload, serializeQuoteBuf } from './quote-buf.js';

describe('tdx_quote_buf', () => {
  it('has the Linux status constants as u64 bigints', () => {
    expect(QUOTE_BUF_STATUS).toEqual({ SUCCESS: 0n, IN_FLIGHT: 2n ** 64n - 1n, ERROR: 2n ** 63n, SERVICE_UNAVAILABLE: 2n ** 63n + 1n });
  });

  it('lays out version, status, in_len, out_len little-endian, then data', () => {
    const bytes = serializeQuoteBuf({ version: 1n, status: QUOTE_BUF_STATUS.IN_FLIGHT, inLen: 1024, outLen: 0x01020304, data: Uint8Array.of(9, 8, 7) });
    expect(bytes.length).toBe(QUOTE_BUF_HEADER_SIZE + 3);
    expect(Buffer.from(bytes).toString('hex')).toBe('0100000000000000' + 'ffffffffffffffff' + '00040000' + '04030201' + '090807');
    const back = parseQuoteBuf(bytes);
    expect(back).toEqual({ version: 1n, status: QUOTE_BUF_STATUS.IN_FLIGHT, inLen: 1024, outLen: 0x01020304, data: Uint8Array.of(9, 8, 7) });
    expect(serializeQuoteBuf(back)).toEqual(bytes);
  });

  it('rejects a buffer shorter than the header', () => {
    const r = tryParse(parseQuoteBuf, new Uint8Array(20));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('tdx_quote_buf: out_len at offset 20 is 0 bytes long, expected 4 bytes');
  });

  it('bounds-checks out_len against the data actually present (v7.0 -EFBIG check)', () => {
    const buf = parseQuoteBuf(serializeQuoteBuf({ version: 1n, status: 0n, inLen: 2, outLen: 5, data: Uint8Array.of(1, 2, 3, 4) }));
    expect(quoteBufPayload(buf, 'in')).toEqual(Uint8Array.of(1, 2));
    expect(() => quoteBufPayload(buf, 'out')).toThrow('tdx_quote_buf: out_len at offset 20 is 5, expected at most 4 (buffer size − 24)');
  });

  it('refuses a u64 status outside 0..2^64-1', () => {
    expect(() => serializeQuoteBuf({ version: 1n, status: 2n ** 64n, inLen: 0, outLen: 0, data: new Uint8Array(0) })).toThrow(/status/);
  });
});
