/**
 * TDX Quote v4 and v5 codec (docs/model.md §7; DCAP `sgx_quote_4.h`, `sgx_quote_5.h`).
 *
 * v4: header 0..48, body 48..632, u32 sig_data_len at 632, signature data at 636.
 * v5: header, u16 body_type + u32 body_size at 48, body at 54, then sig_data_len.
 * Bytes after the signature data are legal trailing data (QGS pads to its
 * reserved size) and are kept in `trailing`. Input over {@link QUOTE_MAX_SIZE}
 * is refused before anything is read.
 */
import { ByteReader, ByteWriter } from './bytes.js';
import { FormatError } from './errors.js';
import { readTdQuoteBody, TD_QUOTE_BODY_V1_0_SIZE, TD_QUOTE_BODY_V1_5_SIZE, writeTdQuoteBody, type TdQuoteBody } from './quote-body.js';
import { readSignatureData, signatureDataLength, writeSignatureData, QE_REPORT_SIZE, type QuoteSignatureData } from './quote-signature.js';
import { QUOTE_MAX_SIZE } from './limits.js';

const QUOTE_LIMIT_REASON = 'a quote lives in the 128 KiB GetQuote buffer after its 24-byte header';

/** Quote header size, docs/model.md §7. */
export const QUOTE_HEADER_SIZE = 48;
/** att_key_type for ECDSA P-256, docs/model.md §7. */
export const ATT_KEY_TYPE_ECDSA_P256 = 2;
/** tee_type of a TDX quote, docs/model.md §7. */
export const TEE_TYPE_TDX = 0x81;
/** Intel QE vendor ID (header bytes 12..28), docs/model.md §7. */
export const INTEL_QE_VENDOR_ID = Uint8Array.from(Buffer.from('939a7233f79c4ca9940a0db3957f0607', 'hex'));
/** v5 body types, docs/model.md §7: 1 SGX, 2 TDX 1.0, 3 TDX 1.5, 4 exists but its layout is unknown here. */
export const QUOTE_V5_BODY_TYPE = { sgx: 1, tdx10: 2, tdx15: 3, unknown4: 4 } as const;

/** Quote header (48 bytes). */
export interface QuoteHeader {
  version: 4 | 5;
  attKeyType: number;
  teeType: number;
  /** Bytes 8..12: opaque per docs/model.md §7 (DCAP calls them reserved / QE SVN + PCE SVN depending on version). */
  reserved: Uint8Array;
  qeVendorId: Uint8Array; // 16
  userData: Uint8Array; // 20
}

/** A parsed quote; serializeQuote(parseQuote(b)) is byte-identical to b. */
export interface Quote {
  header: QuoteHeader;
  /** v5 only: 2 (TDX 1.0) or 3 (TDX 1.5). */
  bodyType?: 2 | 3;
  body: TdQuoteBody;
  /** sig_data_len as stored. */
  sigDataLen: number;
  signatureData: QuoteSignatureData;
  /** Bytes after the signature data, kept verbatim (may be empty). */
  trailing: Uint8Array;
  /** Number of leading bytes the quote signature covers (header + body [+ v5 type/size]). */
  signedLength: number;
}

/** Parse a v4 or v5 TDX ECDSA-P256 quote of at most {@link QUOTE_MAX_SIZE} bytes. Throws only FormatError. */
export function parseQuote(bytes: Uint8Array): Quote {
  const probe = new ByteReader(bytes, 'quote');
  if (bytes.length > QUOTE_MAX_SIZE) throw probe.error('length', 0, `${bytes.length} bytes`, `at most ${QUOTE_MAX_SIZE} bytes (${QUOTE_LIMIT_REASON})`);
  const version = probe.u16('version');
  if (version !== 4 && version !== 5) throw probe.error('version', 0, String(version), '4 or 5', 'unsupported');
  const r = new ByteReader(bytes, `quote v${version}`, 2);
  const attKeyType = r.u16('att key type');
  if (attKeyType !== ATT_KEY_TYPE_ECDSA_P256) throw r.error('att key type', 2, String(attKeyType), '2 (ECDSA P-256)', 'unsupported');
  const teeType = r.u32('tee type');
  if (teeType !== TEE_TYPE_TDX) throw r.error('tee type', 4, `0x${teeType.toString(16)}`, '0x81 (TDX)', 'unsupported');
  const header: QuoteHeader = {
    version,
    attKeyType,
    teeType,
    reserved: r.take(4, 'header reserved'),
    qeVendorId: r.take(16, 'QE vendor ID'),
    userData: r.take(20, 'user data'),
  };
  let bodyType: 2 | 3 | undefined;
  if (version === 5) {
    const typeAt = r.offset;
    const t = r.u16('body type');
    if (t === QUOTE_V5_BODY_TYPE.sgx || t === QUOTE_V5_BODY_TYPE.unknown4) throw r.error('body type', typeAt, String(t), '2 or 3 (TDX)', 'unsupported');
    if (t !== 2 && t !== 3) throw r.error('body type', typeAt, String(t), '2 or 3 (TDX)');
    bodyType = t;
    const sizeAt = r.offset;
    const size = r.u32('body size');
    const want = t === 3 ? TD_QUOTE_BODY_V1_5_SIZE : TD_QUOTE_BODY_V1_0_SIZE;
    if (size !== want) throw r.error('body size', sizeAt, String(size), `${want} for body type ${t}`);
  }
  const body = readTdQuoteBody(r, bodyType === 3);
  const signedLength = r.offset;
  const sigDataLen = r.u32('signature data length');
  const room = QUOTE_MAX_SIZE - r.offset;
  if (sigDataLen > room) throw r.error('signature data length', signedLength, String(sigDataLen), `at most ${room} (${QUOTE_LIMIT_REASON})`);
  const signatureData = readSignatureData(r, sigDataLen);
  return { header, ...(bodyType ? { bodyType } : {}), body, sigDataLen, signatureData, trailing: r.rest(), signedLength };
}

/** Serialize a quote; sig_data_len and inner sizes are recomputed from the fields. Throws only FormatError. */
export function serializeQuote(quote: Quote): Uint8Array {
  const h = quote.header;
  const w = new ByteWriter(`quote v${h.version}`);
  w.u16(h.version, 'version').u16(h.attKeyType, 'att key type').u32(h.teeType, 'tee type');
  w.bytes(h.reserved, 'header reserved', 4).bytes(h.qeVendorId, 'QE vendor ID', 16).bytes(h.userData, 'user data', 20);
  const tdx15 = h.version === 5 && quote.bodyType === 3;
  if (h.version === 5) {
    const t = quote.bodyType ?? 2;
    w.u16(t, 'body type').u32(tdx15 ? TD_QUOTE_BODY_V1_5_SIZE : TD_QUOTE_BODY_V1_0_SIZE, 'body size');
  }
  writeTdQuoteBody(w, quote.body, tdx15);
  w.u32(signatureDataLength(quote.signatureData), 'signature data length');
  writeSignatureData(w, quote.signatureData);
  w.bytes(quote.trailing, 'trailing bytes');
  if (w.offset > QUOTE_MAX_SIZE)
    throw new FormatError({ structure: `quote v${h.version}`, field: 'length', offset: 0, actual: `${w.offset} bytes`, expected: `at most ${QUOTE_MAX_SIZE} bytes (${QUOTE_LIMIT_REASON})` });
  return w.finish();
}

/** Offset of the PEM chain inside the quote's bytes (after the type-5 certification data header). */
export function pckCertChainOffset(quote: Quote): number {
  return quote.signedLength + 4 + 64 + 64 + 6 + QE_REPORT_SIZE + 64 + 2 + quote.signatureData.qeAuthData.length + 6;
}
