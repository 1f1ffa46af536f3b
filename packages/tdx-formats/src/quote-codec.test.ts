import { describe, expect, it } from 'vitest';
import { flipByte, readVector } from '../test/vectors.js';
import { FormatError, tryParse } from './errors.js';
import { toHex } from './hex.js';
import { INTEL_QE_VENDOR_ID, parseQuote, serializeQuote } from './quote-codec.js';
import { splitPemChain } from './pem.js';
import { QUOTE_MAX_SIZE } from './limits.js';

function setU16(bytes: Uint8Array, at: number, v: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint16(at, v, true);
  return out;
}

describe('Quote v4 (real vector tdx_prod_quote_SPR_E4)', () => {
  const bytes = readVector('quoteV4');
  const q = parseQuote(bytes);

  it('reads the header facts of the vectors README', () => {
    expect(bytes.length).toBe(4974);
    expect(q.header).toMatchObject({ version: 4, attKeyType: 2, teeType: 0x81 });
    expect(toHex(q.header.qeVendorId)).toBe('939a7233f79c4ca9940a0db3957f0607');
    expect(q.header.qeVendorId).toEqual(INTEL_QE_VENDOR_ID);
    expect(q.bodyType).toBeUndefined();
  });

  it('reads the body: TD_ATTRIBUTES, XFAM, MRTD', () => {
    expect(toHex(q.body.tdAttributes)).toBe('0000004000000000');
    expect(toHex(q.body.xfam)).toBe('e71a060000000000');
    expect(toHex(q.body.mrTd)).toBe('6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb');
    expect(q.body.teeTcbSvn2).toBeUndefined();
  });

  it('reads the signature data sizes (sig_data_len 4299 at 632, auth 32, 3 PEM certs)', () => {
    expect(q.signedLength).toBe(632);
    expect(q.sigDataLen).toBe(4299);
    expect(q.signatureData.qeAuthData.length).toBe(32);
    expect(q.signatureData.pckCertChain.length).toBe(3677);
    expect(splitPemChain(q.signatureData.pckCertChain)).toHaveLength(3);
  });

  it('keeps the 39 trailing ASCII bytes', () => {
    expect(q.trailing.length).toBe(39);
    expect(Buffer.from(q.trailing).toString('latin1')).toBe('\nextra bytes(only for testing purpose)\n');
  });

  it('serializes byte-identically, trailing bytes included', () => {
    expect(serializeQuote(q)).toEqual(bytes);
  });

  it('names field and offset when the certification data type is wrong', () => {
    const bad = setU16(bytes, 764, 3);
    expect(() => parseQuote(bad)).toThrow('quote v4: certification data type at offset 764 is 3, expected 6');
  });

  it('rejects an inconsistent sig_data_len', () => {
    const bad = flipByte(bytes, 632, 0x01);
    const r = tryParse(parseQuote, bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe('certification data size');
  });

  it('reports truncation as a FormatError with offset', () => {
    const r = tryParse(parseQuote, bytes.subarray(0, 700));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', structure: 'quote v4', offset: 636 });
  });

  it('rejects unsupported versions, key types and TEE types as unsupported', () => {
    for (const [at, v] of [
      [0, 3],
      [2, 3],
      [4, 0],
    ] as const) {
      const r = tryParse(parseQuote, setU16(bytes, at, v));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('unsupported');
    }
  });
});

describe('Quote v5 (real vector quote_v5_sample)', () => {
  const bytes = readVector('quoteV5');
  const q = parseQuote(bytes);

  it('reads version 5, body type 3 (TDX 1.5), sig_data_len 4300 at 702, no trailing bytes', () => {
    expect(bytes.length).toBe(5006);
    expect(q.header.version).toBe(5);
    expect(q.bodyType).toBe(3);
    expect(q.signedLength).toBe(702);
    expect(q.sigDataLen).toBe(4300);
    expect(q.trailing.length).toBe(0);
    expect(q.body.teeTcbSvn2).toHaveLength(16);
    expect(q.body.mrServiceTd).toHaveLength(48);
  });

  it('reads MRTD and keeps the counted trailing NUL of the PEM chain', () => {
    expect(toHex(q.body.mrTd)).toBe('7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876');
    expect(q.signatureData.pckCertChain.at(-1)).toBe(0);
    expect(splitPemChain(q.signatureData.pckCertChain)).toHaveLength(3);
  });

  it('serializes byte-identically', () => {
    expect(serializeQuote(q)).toEqual(bytes);
  });

  it('answers body types 1 and 4 with a typed "unsupported" FormatError', () => {
    for (const t of [1, 4]) {
      const e = tryParse(parseQuote, setU16(bytes, 48, t));
      expect(e.ok).toBe(false);
      if (!e.ok) {
        expect(e.error).toBeInstanceOf(FormatError);
        expect(e.error.kind).toBe('unsupported');
        expect(e.error.message).toBe(`quote v5: unsupported body type at offset 48 is ${t}, expected 2 or 3 (TDX)`);
      }
    }
  });

  it('rejects a body size that does not match the body type', () => {
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(50, 584, true);
    expect(() => parseQuote(bad)).toThrow('quote v5: body size at offset 50 is 584, expected 648 for body type 3');
  });

  it('round-trips a body type 2 (TDX 1.0) v5 quote built from the v4 body', () => {
    const v4 = parseQuote(readVector('quoteV4'));
    const v5 = serializeQuote({ ...v4, header: { ...v4.header, version: 5 }, bodyType: 2 });
    const back = parseQuote(v5);
    expect(back.bodyType).toBe(2);
    expect(back.signedLength).toBe(54 + 584);
    expect(serializeQuote(back)).toEqual(v5);
  });
});

describe('quote size bounds (QUOTE_MAX_SIZE: the 128 KiB GetQuote buffer less its 24-byte header)', () => {
  const v4 = readVector('quoteV4');
  const padded = (total: number) => {
    const out = new Uint8Array(total);
    out.set(v4);
    return out;
  };

  it('accepts a quote padded to exactly the bound and refuses one byte more', () => {
    expect(QUOTE_MAX_SIZE).toBe(131048);
    expect(parseQuote(padded(QUOTE_MAX_SIZE)).trailing.length).toBe(QUOTE_MAX_SIZE - v4.length + 39);
    expect(() => parseQuote(padded(QUOTE_MAX_SIZE + 1))).toThrow(
      'quote: length at offset 0 is 131049 bytes, expected at most 131048 bytes (a quote lives in the 128 KiB GetQuote buffer after its 24-byte header)',
    );
  });

  it('refuses a 256 MiB input before reading any field', () => {
    expect(() => parseQuote(new Uint8Array(256 * 1024 * 1024))).toThrow(/length at offset 0 is 268435456 bytes/);
  });

  it('names the bound when sig_data_len exceeds it', () => {
    const q = v4.slice();
    new DataView(q.buffer).setUint32(632, 0xffffffff, true);
    expect(() => parseQuote(q)).toThrow('quote v4: signature data length at offset 632 is 4294967295, expected at most 130412 (a quote lives in the 128 KiB GetQuote buffer after its 24-byte header)');
  });

  it('serializeQuote refuses to write past the bound', () => {
    const q = parseQuote(v4);
    q.trailing = new Uint8Array(QUOTE_MAX_SIZE);
    expect(() => serializeQuote(q)).toThrow(FormatError);
  });
});
